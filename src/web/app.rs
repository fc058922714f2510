//! The page's entry point: builds the state, starts the worker and wires the controls.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use web_sys::HtmlSelectElement;

use super::chart::Charts;
use super::dom::{Dom, chosen_file, drop_zone, query_pairs};
use super::link::{Link, Send, isolated, send_file};
use super::page::{Feature, LANG_KEY, Page, RunView, Saved, Setup, Shared, Status};
use super::use_model::UseModel;
use crate::export::config_from_pairs;
use crate::i18n::{Lang, Said};
use crate::protocol::{BackendChoice, Bytes, RunState, ToWorker, Which};

/// The interface language: `?lang=` in the link, else the one chosen on an earlier visit, else
/// the browser's preference.
fn initial_language(window: &web_sys::Window) -> Lang {
    let from_link = query_pairs().into_iter().find(|(k, _)| k == "lang").and_then(|(_, v)| Lang::from_code(&v));
    let stored = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(LANG_KEY).ok().flatten())
        .and_then(|code| Lang::from_code(&code));
    let preferred: Vec<String> = window.navigator().languages().iter().filter_map(|l| l.as_string()).collect();
    from_link.or(stored).unwrap_or_else(|| Lang::from_preferences(&preferred))
}

/// Starts the page. Runs when the module loads in a window (the worker has its own entry).
#[wasm_bindgen(start)]
pub fn start() {
    super::run_static_constructors();
    if js_sys::global().dyn_into::<web_sys::Window>().is_err() {
        return;
    }
    console_error_panic_hook::set_once();
    if let Err(e) = page_main() {
        web_sys::console::error_1(&e);
    }
}

fn page_main() -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let dom = Dom { document: window.document().ok_or("no document")? };
    let lang = initial_language(&window);
    let charts = Charts::new(&dom.document);
    if let Err(e) = &charts {
        web_sys::console::warn_2(&"Sin gráficas (¿no cargó Chart.js?):".into(), e);
    }
    let has_gpu = Reflect::get(&window.navigator(), &"gpu".into()).map(|g| !g.is_undefined()).unwrap_or(false);
    let (linked, link_errors) = config_from_pairs(query_pairs());
    let page: Shared = Rc::new(RefCell::new(Page {
        dom: dom.clone(),
        lang,
        link: Link::spawn(if has_gpu { BackendChoice::Auto } else { BackendChoice::Cpu })?,
        charts: charts.ok(),
        setup: Setup { link_errors, ..Setup::default() },
        run: RunView::default(),
        saved: Saved::default(),
        status: Status::Loading,
        summary: None,
        use_model: UseModel::default(),
        lab: Default::default(),
        maps_asks: Default::default(),
    }));
    {
        let mut p = page.borrow_mut();
        p.fill_models();
        if !has_gpu {
            p.setup.no_webgpu = Some(lang.texts().no_navigator_gpu.into());
            dom.set_value("backend", "cpu");
        }
        // The link's settings in the controls (its bad values are named in the status line).
        if query_pairs().iter().any(|(k, _)| k != "lang") {
            p.show_config(&linked);
        }
        p.choose_model();
        p.render_all();
    }
    super::supervisor::wire(&page);
    wire_controls(&page, &dom)?;
    super::lab::wire(&page, &dom)?;
    let p = page.clone();
    let lang = Rc::new(move || p.borrow().lang);
    let asks = page.borrow().maps_asks.clone();
    super::use_model::wire(&dom, sender(&page), lang, asks)?;
    Ok(())
}

/// A [`Send`] to the page's current worker.
fn sender(page: &Shared) -> Send {
    let p = page.clone();
    Rc::new(move |m: ToWorker| p.borrow().send(m))
}

/// Sends a chosen file to the worker (see [`send_file`]).
fn file_to_worker(page: &Shared, file: web_sys::File, status: &'static str, message: fn(String, Bytes) -> ToWorker) {
    let (dom, t) = {
        let p = page.borrow();
        (p.dom.clone(), p.t())
    };
    send_file(&dom, t, sender(page), file, status, message);
}

/// A keyboard event's `key` ("" for any other event).
fn key(e: &web_sys::Event) -> String {
    Reflect::get(e, &"key".into()).ok().and_then(|k| k.as_string()).unwrap_or_default()
}

fn wire_controls(page: &Shared, dom: &Dom) -> Result<(), JsValue> {
    let p = page.clone();
    dom.on("start", "click", move |_| {
        let mut page = p.borrow_mut();
        match page.config() {
            Ok(config) => {
                page.run.asked = true;
                page.render_controls();
                page.send(ToWorker::Start { config });
            }
            Err(message) => page.say(message),
        }
    })?;
    let p = page.clone();
    dom.on("pause", "click", move |_| {
        let mut page = p.borrow_mut();
        if page.run.state == RunState::Paused {
            page.send(ToWorker::Resume);
        } else {
            page.run.pausing = true;
            // The status line says so, whatever message it held.
            page.status = Status::Run(page.run.state);
            page.render_controls();
            page.send(ToWorker::Pause);
        }
    })?;
    let p = page.clone();
    dom.on("stop", "click", move |_| p.borrow().send(ToWorker::Stop))?;
    // A click on a strip image shows its feature maps.
    let p = page.clone();
    dom.on("test-strip", "click", move |e| {
        let Some(mouse) = e.dyn_ref::<web_sys::MouseEvent>() else { return };
        let mut page = p.borrow_mut();
        let width = page.dom.el("test-strip").map_or(0, |el| el.client_width()).max(1) as f64;
        let index = (mouse.offset_x() as f64 / width * crate::protocol::STRIP_LEN as f64).floor();
        page.run.feature = Feature::Strip((index.max(0.0) as usize).min(crate::protocol::STRIP_LEN - 1));
        page.request_feature_maps();
    })?;
    // And, from the keyboard, the arrow keys on the strip.
    let p = page.clone();
    dom.on("test-strip", "keydown", move |e| {
        let step: isize = match key(&e).as_str() {
            "ArrowLeft" => -1,
            "ArrowRight" => 1,
            _ => return,
        };
        e.prevent_default();
        let mut page = p.borrow_mut();
        // From another image's maps, the strip's first.
        let next = match page.run.feature {
            Feature::Strip(i) => (i as isize + step).clamp(0, crate::protocol::STRIP_LEN as isize - 1) as usize,
            _ => 0,
        };
        if page.run.feature != Feature::Strip(next) {
            page.run.feature = Feature::Strip(next);
            page.request_feature_maps();
        }
    })?;
    // Enter or Space on what the page drew as a button (the explorer's images, the confusion
    // matrix's cells) clicks it, as on a `<button>`.
    super::dom::listen(&dom.document, "keydown", |e: web_sys::Event| {
        let Some(target) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) else { return };
        if matches!(key(&e).as_str(), "Enter" | " ")
            && target.get_attribute("role").as_deref() == Some("button")
            && target.tag_name() != "BUTTON"
        {
            e.prevent_default();
            target.click();
        }
    });
    // So does a click on an image of the explorer.
    let p = page.clone();
    dom.on("explore-labels", "click", move |e| {
        let Some(target) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        let Ok(Some(figure)) = target.closest("figure[data-index]") else { return };
        let number = |key: &str| figure.get_attribute(key).and_then(|v| v.parse::<usize>().ok());
        let (Some(index), Some(truth)) = (number("data-index"), number("data-truth")) else { return };
        let mut page = p.borrow_mut();
        page.run.feature = Feature::Test { index, truth };
        page.request_feature_maps();
    })?;
    let p = page.clone();
    dom.on("continue-run", "click", move |_| {
        let mut page = p.borrow_mut();
        // «Épocas» alone (not the whole form: another field's bad value does not matter here).
        // A run that has done the epochs it asks for has nothing to continue: say how to give it
        // more (before, the click ran no epoch and emptied the gradient chart).
        let done = page.saved.offer.as_ref().map_or(0, |s| s.epochs_done);
        let epochs = match page.dom.value("epochs").trim().parse::<usize>() {
            Ok(epochs) if !crate::recipe::EPOCHS.contains(&epochs) => Err(Said::new(|t| t.bad_epochs.into())),
            Ok(epochs) if epochs <= done => Err(Said::new(|t| (t.continue_needs_epochs)(done, epochs))),
            Ok(epochs) => Ok(epochs),
            Err(_) => Err(Said::new(|t| t.bad_epochs.into())),
        };
        let epochs = match epochs {
            Ok(epochs) => epochs,
            Err(message) => {
                page.say(message);
                page.dom.focus("epochs");
                return;
            }
        };
        page.setup.recovery = None;
        page.render_recovery();
        page.run.asked = true;
        page.render_controls();
        page.send(ToWorker::Continue { epochs });
    })?;
    let p = page.clone();
    dom.on("discard-run", "click", move |_| {
        let mut page = p.borrow_mut();
        page.saved.line = None;
        page.render_saved();
        page.send(ToWorker::Discard);
    })?;
    for (id, which, full) in [
        ("download-best", Which::Best, false),
        ("download-last", Which::Last, false),
        ("download-state", Which::Last, true),
    ] {
        let p = page.clone();
        dom.on(id, "click", move |_| p.borrow().send(ToWorker::Download { which, full }))?;
    }
    let p = page.clone();
    dom.on("run-file", "change", move |e| {
        if let Some(file) = chosen_file(&e) {
            file_to_worker(&p, file, "status", |name, bytes| ToWorker::LoadRun { name, bytes });
        }
    })?;
    for (id, what) in [("export-csv", "csv"), ("export-json", "json"), ("export-charts", "png"), ("export-svg", "svg")] {
        let p = page.clone();
        dom.on(id, "click", move |_| p.borrow_mut().export(what))?;
    }
    let p = page.clone();
    dom.on("share", "click", move |_| p.borrow_mut().share())?;
    let p = page.clone();
    dom.on("model", "change", move |_| p.borrow_mut().choose_model())?;
    let p = page.clone();
    dom.on("batch-size", "change", move |_| p.borrow_mut().warm_kernels())?;
    let p = page.clone();
    dom.on("backend", "change", move |_| {
        let mut page = p.borrow_mut();
        page.setup.device_ready = false;
        page.render_controls();
        let backend = page.backend_choice();
        // WebGPU needs the WebGPU module; the CPU, where the page is isolated, the threaded one.
        match page.setup.module.and_then(|m| m.switch_for(backend, isolated())) {
            Some(module) => {
                drop(page);
                super::supervisor::switch_module(&p, module);
            }
            None => page.send(ToWorker::UseBackend { backend }),
        }
    })?;
    let p = page.clone();
    dom.on("lang", "change", move |e| {
        let code = e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()).map(|s| s.value());
        if let Some(lang) = code.as_deref().and_then(Lang::from_code) {
            p.borrow_mut().set_language(lang);
        }
    })?;
    let load_archive: fn(String, Bytes) -> ToWorker = |name, bytes| ToWorker::LoadArchive { name, bytes };
    let p = page.clone();
    dom.on("archive-file", "change", move |e| {
        if let Some(file) = chosen_file(&e) {
            file_to_worker(&p, file, "data-status", load_archive);
        }
    })?;
    let p = page.clone();
    drop_zone(dom, "drop-zone", move |file| file_to_worker(&p, file, "data-status", load_archive));
    Ok(())
}
