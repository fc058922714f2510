//! The page's generated HTML: small pure functions over data, compiled and tested natively.
//! Every string they interpolate goes through [`escape`], whatever its origin (a model name, a
//! WebGPU error, a class name), so nothing a person, a file or a browser says becomes markup.

use crate::explore::{Item, argmax};
use crate::i18n::{SummaryTexts, Texts};
use crate::summary::{Summary, group_digits};

/// Text → HTML text or attribute value: `& < > " '` as entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Spanish style: groups of three digits split by a narrow no-break space.
pub fn group(n: usize) -> String {
    group_digits(n, '\u{202f}')
}

/// A learning rate written as the controls' field writes it: plain decimals down to 0.0001, to
/// three significant digits (`0.001`, `0.000316`); smaller ones as powers of ten (`1.00e-5`).
pub fn learning_rate(lr: f64) -> String {
    if (1e-4..10.0).contains(&lr) {
        let decimals = (2 - lr.log10().floor() as i32).max(0) as usize;
        let text = format!("{lr:.decimals$}");
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
    } else {
        format!("{lr:.2e}")
    }
}

/// Seconds as `42 s`, `3 min 5 s` or `2 h 10 min`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        // (No «0 s» or «0 min» at the end: «10 min», «1 h».)
        60..3600 if s.is_multiple_of(60) => format!("{} min", s / 60),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ if (s % 3600) / 60 == 0 => format!("{} h", s / 3600),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// A class name (the index is taken modulo ten, so a bad label cannot panic), escaped.
fn class(t: &Texts, c: usize) -> String {
    escape(t.classes[c % 10])
}

/// The model summary: parameter counts and the layer table.
pub fn summary(t: &Texts, summary: &Summary) -> String {
    let rows: String = summary
        .rows
        .iter()
        .map(|r| {
            format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&r.name),
                escape(&r.kind),
                escape(&format!("{:?}", r.output)),
                group(r.trainable + r.non_trainable)
            )
        })
        .collect();
    (t.summary_html)(&SummaryTexts {
        // The model list's name (ResNet20 v1), not the key (resnet20v1).
        model: &escape(&summary.model.parse::<crate::model::ModelKind>().map_or(summary.model.clone(), |kind| kind.label())),
        trainable: &group(summary.trainable()),
        total: &group(summary.total()),
        non_trainable: &group(summary.total() - summary.trainable()),
        layers: summary.rows.len(),
        rows_html: &rows,
        mflops: summary.training_flops_per_image() as f64 / 1e6,
    })
}

/// The confusion matrix (rows: true class, columns: predicted), each cell shaded by its count
/// and carrying `data-truth` / `data-predicted` for the explorer's filter.
pub fn confusion(t: &Texts, confusion: &[Vec<u32>]) -> String {
    let max = confusion.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let head: String = t
        .classes
        .iter()
        .map(|c| {
            let short = &c[..c.char_indices().nth(3).map_or(c.len(), |(i, _)| i)];
            format!("<th title=\"{}\">{}</th>", escape(c), escape(short))
        })
        .collect();
    let body: String = confusion
        .iter()
        .enumerate()
        .map(|(truth, row)| {
            let cells: String = row
                .iter()
                .enumerate()
                .map(|(p, &n)| {
                    let alpha = n as f64 / max;
                    let hue = if truth == p { "34,139,34" } else { "200,40,40" };
                    // A button inside the cell, for the keyboard too, named for a reader; the cell
                    // stays a cell of the table.
                    format!(
                        "<td data-truth=\"{truth}\" data-predicted=\"{p}\" style=\"background: rgba({hue},{alpha:.2})\">\
                         <button type=\"button\" aria-label=\"{} {}, {} {}: {n}\">{n}</button></td>",
                        escape(t.truth),
                        class(t, truth),
                        escape(t.predicted),
                        class(t, p)
                    )
                })
                .collect();
            format!("<tr><th>{}</th>{cells}</tr>", class(t, truth))
        })
        .collect();
    format!(
        "<table class=\"confusion\" title=\"{}\"><caption>{}</caption>\
         <thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>",
        escape(t.confusion_hint),
        escape(t.confusion_caption)
    )
}

/// Accuracy per class as meters.
pub fn per_class(t: &Texts, accuracy: &[f64]) -> String {
    let rows: String = accuracy
        .iter()
        .enumerate()
        .map(|(c, a)| {
            format!(
                "<tr><th>{}</th><td><meter min=\"0\" max=\"1\" value=\"{a:.3}\"></meter></td><td>{:.1} %</td></tr>",
                class(t, c),
                a * 100.0
            )
        })
        .collect();
    format!("<table class=\"per-class\"><caption>{}</caption>{rows}</table>", escape(t.per_class_caption))
}

/// Predictions on the strip of test images after an epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct Strip {
    pub epoch: usize,
    pub truth: Vec<usize>,
    pub predicted: Vec<usize>,
    pub confidence: Vec<f32>,
}

/// The labels under the strip of test images: prediction, confidence, true class.
pub fn strip(t: &Texts, strip: &Strip) -> String {
    strip
        .truth
        .iter()
        .zip(&strip.predicted)
        .zip(&strip.confidence)
        .map(|((&truth, &p), &c)| {
            let ok = if truth == p { "ok" } else { "bad" };
            format!(
                "<span class=\"{ok}\" title=\"{}: {}\" data-predicted=\"{p}\" data-confidence=\"{c:?}\">{} \
                 <small>{:.0}\u{a0}%</small><br><small>({})</small></span>",
                escape(t.truth),
                class(t, truth),
                class(t, p),
                c * 100.0,
                class(t, truth)
            )
        })
        .collect()
}

/// The explorer's cards: one empty 32×32 canvas per image (the page copies its pixels in), the
/// predicted class and confidence, the true class.
pub fn explorer_cards(t: &Texts, items: &[Item]) -> String {
    items
        .iter()
        .map(|item| {
            let ok = if item.truth == item.predicted { "ok" } else { "bad" };
            format!(
                "<figure class=\"{ok}\" data-index=\"{}\" data-truth=\"{}\" data-predicted=\"{}\" \
                 data-confidence=\"{:?}\" tabindex=\"0\" role=\"button\" \
                 title=\"#{} · {}: {} ({:.1} %)\"><canvas width=\"32\" height=\"32\"></canvas>\
                 <figcaption>{} <b>{:.0} %</b><br><small>{}: {}</small></figcaption></figure>",
                item.index,
                item.truth,
                item.predicted,
                item.confidence,
                item.index,
                escape(t.truth),
                class(t, item.truth),
                item.truth_probability * 100.0,
                class(t, item.predicted),
                item.confidence * 100.0,
                escape(t.truth),
                class(t, item.truth),
            )
        })
        .collect()
}

/// Ten probability bars, the most likely class in bold; full precision in `data-probabilities`.
pub fn bars(t: &Texts, probabilities: &[f32]) -> String {
    let (best, _) = argmax(probabilities);
    let rows: String = probabilities
        .iter()
        .enumerate()
        .map(|(c, &q)| {
            let top = if c == best { " top" } else { "" };
            format!(
                "<span class=\"name{top}\">{}</span><span><span class=\"bar\" style=\"width: {:.1}%\"></span></span>\
                 <span class=\"value{top}\">{:.1} %</span>",
                class(t, c),
                q * 100.0,
                q * 100.0
            )
        })
        .collect();
    let exact: Vec<String> = probabilities.iter().map(|q| format!("{q:?}")).collect();
    format!("<div class=\"bars\" data-probabilities=\"{}\">{rows}</div>", exact.join(","))
}

/// A link's values that could not be used, each named («epochs=-1») with what the field takes,
/// in the page's language.
pub fn link_errors(t: &Texts, errors: &[crate::export::LinkError]) -> String {
    let said: Vec<String> = errors
        .iter()
        .map(|e| {
            // The convolutions' route (no field, no translation): the library's words.
            let field = field_hint(t, &e.key).map_or_else(|| format!("{}.", e.reason), String::from);
            format!("«{}={}» — {field}", e.key, e.value)
        })
        .collect();
    (t.bad_link)(&said.join(" "))
}

/// What the control of setting `key` (its name in links: `batch_size`, `lr`…) takes, in the
/// page's language; `None` for a setting the controls do not show.
pub fn field_hint(t: &Texts, key: &str) -> Option<&'static str> {
    Some(match key {
        "model" => t.unknown_model,
        "batch_size" => t.bad_batch,
        "epochs" => t.bad_epochs,
        "lr" => t.bad_lr,
        "augment" => t.bad_augment,
        "train_images" => t.bad_train_images,
        "test_images" => t.bad_test_images,
        _ => return None,
    })
}

/// The final evaluation on the test set.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Finished {
    pub test_loss: f64,
    pub test_accuracy: f64,
    pub stopped: bool,
    pub epochs_done: usize,
}

pub fn finished(t: &Texts, f: &Finished) -> String {
    (t.finished_html)(f.test_loss, f.test_accuracy, f.stopped, f.epochs_done)
}

/// The warning shown when WebGPU is missing; `reason` comes from the browser.
pub fn no_webgpu(t: &Texts, reason: &str) -> String {
    (t.no_webgpu_html)(&escape(reason))
}

/// The `<option>`s of a select: `(value, label)` pairs, the one equal to `selected` selected.
pub fn options<'a>(items: impl IntoIterator<Item = (String, &'a str)>, selected: &str) -> String {
    items
        .into_iter()
        .map(|(value, label)| {
            let sel = if value == selected { " selected" } else { "" };
            format!("<option value=\"{}\"{sel}>{}</option>", escape(&value), escape(label))
        })
        .collect()
}

/// The lab's list of kept runs, newest first as given: a box to overlay each (with its colour on
/// the overlay when ticked), its settings, `dates[i]` (formatted by the browser), its best
/// accuracy, and buttons to export or delete it.
pub fn runs_table(t: &Texts, runs: &[crate::runs::RunRecord], dates: &[String], selected: &[String]) -> String {
    let lab = t.lab;
    if runs.is_empty() {
        return format!("<p class=\"note\">{}</p>", escape(lab.runs_empty));
    }
    let head: String = lab.runs_head.iter().map(|h| format!("<th>{}</th>", escape(h))).collect();
    let rows: String = runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let id = escape(&run.id);
            let position = selected.iter().position(|s| *s == run.id);
            let swatch = match position {
                Some(p) => {
                    let (r, g, b) = crate::runs::PALETTE[p % crate::runs::PALETTE.len()];
                    format!("<span class=\"swatch\" style=\"background: rgb({r}, {g}, {b})\"></span>")
                }
                None => String::new(),
            };
            let checked = if position.is_some() { " checked" } else { "" };
            let c = &run.config;
            let images = |limit: Option<usize>| limit.map_or_else(|| lab.all_images.to_string(), group);
            let (train, test, lr) = (images(c.limit_train), images(c.limit_test), learning_rate(c.learning_rate));
            let mut settings = (lab.settings)(run.history.len(), c.epochs, c.batch_size, &train, &test, &lr, c.augment);
            if let Some((_, experiment)) = run.experiment {
                settings.push_str(&format!(" · {}", (lab.of_experiment)((lab.name)(experiment))));
            }
            if run.stopped {
                settings.push_str(&format!(" · {}", lab.stopped));
            }
            let best = run.best_accuracy().map_or("—".to_string(), |a| format!("{:.1} %", a * 100.0));
            let date = dates.get(i).map_or("", String::as_str);
            // «(sin aumentación)» in its name (also for a screen reader: the boxes and buttons of
            // a run with and one without would be named alike); the settings say «con».
            let label = run.label(lab.no_augment);
            // Every row has the same three buttons: their names say which run they act on.
            let named = |what: &str| escape(&(lab.run_button)(what, &label, date));
            format!(
                "<tr><td><label class=\"check\"><input type=\"checkbox\" data-run=\"{id}\"{checked}> {swatch}{}</label></td>\
                 <td>{}</td><td>{}</td><td data-label=\"{}\">{best}</td><td class=\"row-buttons\">\
                 <button class=\"secondary\" data-export-run=\"{id}\" data-format=\"csv\" aria-label=\"{}\">CSV</button> \
                 <button class=\"secondary\" data-export-run=\"{id}\" data-format=\"json\" aria-label=\"{}\">JSON</button> \
                 <button class=\"secondary\" data-delete-run=\"{id}\" aria-label=\"{}\">{}</button></td></tr>",
                escape(&label),
                escape(&settings),
                escape(date),
                escape(lab.runs_head[3]),
                named("CSV"),
                named("JSON"),
                named(lab.delete),
                escape(lab.delete)
            )
        })
        .collect();
    format!("<table class=\"runs\"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
}
