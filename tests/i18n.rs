//! The interface speaks Spanish and English completely.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

use std::collections::BTreeSet;

use resnet_webgpu::i18n::{EN, ES, Lang, ModelSource, Said};

/// Every `data-i18n="…"` (or `data-i18n-label="…"`) key in index.html.
fn keys_in_page(attribute: &str) -> BTreeSet<String> {
    let html = include_str!("../index.html");
    let marker = format!("{attribute}=\"");
    html.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find('"').expect("closing quote")].to_string()
        })
        .collect()
}

#[test]
fn both_languages_cover_every_text_of_the_page() {
    let page = keys_in_page("data-i18n");
    assert!(page.len() > 40, "found only {} keys", page.len());
    for texts in [&ES, &EN] {
        let keys: BTreeSet<String> = texts.chrome.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(keys.len(), texts.chrome.len(), "a key is listed twice");
        assert_eq!(keys, page, "chrome keys and index.html differ");
        assert!(texts.chrome.iter().all(|(_, text)| !text.trim().is_empty()));
        let labels: BTreeSet<String> = texts.labels.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(labels, keys_in_page("data-i18n-label"));
    }
    // Translated, not copied: most texts differ between the two languages.
    let same = ES.chrome.iter().zip(EN.chrome).filter(|(a, b)| a.1 == b.1).count();
    assert!(same <= 3, "{same} texts are identical in Spanish and English");
    assert_ne!(ES.classes, EN.classes);
}

#[test]
fn language_comes_from_the_browser_preferences() {
    assert_eq!(Lang::from_preferences(&["en-GB", "es"]), Lang::En);
    assert_eq!(Lang::from_preferences(&["de-DE", "es-MX", "en"]), Lang::Es);
    assert_eq!(Lang::from_preferences(&["fr", "de"]), Lang::Es, "Spanish first");
    assert_eq!(Lang::from_preferences::<&str>(&[]), Lang::Es);
    assert_eq!(Lang::from_code("EN_us"), Some(Lang::En));
    for lang in Lang::ALL {
        assert_eq!(Lang::from_code(lang.code()), Some(lang));
    }
}

#[test]
fn messages_with_numbers_read_well_in_both_languages() {
    assert_eq!((ES.epoch_step)(3, 10, 40), "época 3 · paso 10 de 40");
    assert_eq!((EN.epoch_step)(3, 10, 40), "epoch 3 · step 10 of 40");
    let source = ModelSource::Paused { epoch: 1, step: 7 };
    assert_eq!((ES.model_source)(&source), "modelo en pausa (época 2, paso 7)");
    assert_eq!((EN.model_source)(&source), "paused model (epoch 2, step 7)");
    assert_eq!((EN.classify_result)("cat", 87.5), "The network thinks it is: cat (87.5 %).");
    assert_eq!((ES.classify_result)("gato", 87.5), "La red cree que es: gato (87.5 %).");
    let empty = resnet_webgpu::classify::ImageInputError::Empty;
    assert_eq!((ES.image_error)(&empty), "el archivo está vacío (0 bytes)");
    assert_eq!((EN.image_error)(&empty), "the file is empty (0 bytes)");
}

#[test]
fn archive_and_checkpoint_errors_are_translated() {
    use resnet_webgpu::checkpoint::RunCheckpointError;
    use resnet_webgpu::data::DataError;
    let es = Lang::Es.texts();
    let en = Lang::En.texts();
    let e = DataError::NotGzip { found: "0x3c 0x21".into() };
    assert!((es.data_error)(&e).starts_with("no es un archivo gzip (empieza por 0x3c 0x21)"));
    assert_eq!((en.data_error)(&e), e.to_string());
    let e = DataError::BadBatchSize { name: "data_batch_2.bin".into(), len: 3000 };
    assert!((es.data_error)(&e).contains("no es múltiplo de 3073"));
    let e = RunCheckpointError::WeightsOnly;
    assert!((es.checkpoint_error)(&e).contains("sin estado de entrenamiento"));
    assert_eq!((en.checkpoint_error)(&e), e.to_string());
}

/// The device line's note on WebGPU kernels compiled ahead of a run names the network, the
/// batch size and, once they are compiled, the seconds it took.
#[test]
fn the_kernels_note_names_network_batch_and_seconds() {
    for texts in [&ES, &EN] {
        let compiling = (texts.kernels_compiling)("ResNet20 v1", 32);
        let ready = (texts.kernels_ready)("ResNet20 v1", 128, 12.345);
        assert!(compiling.contains("ResNet20 v1") && compiling.contains("32"), "{compiling}");
        assert!(ready.contains("ResNet20 v1") && ready.contains("128") && ready.contains("12.3 s"), "{ready}");
    }
    assert_ne!((ES.kernels_compiling)("ResNet20 v1", 32), (EN.kernels_compiling)("ResNet20 v1", 32));
}

/// A message is written in every language when it is said, so that a language switch rewrites
/// it: a worker's error keeps its words (a file name) in both, crosses the page ⇄ worker channel
/// whole, and can be added to in each language.
#[test]
fn a_said_message_carries_every_language() {
    let said = Said::new(|t| (t.weights_bad)("pesos.bin", "vacío"));
    assert_eq!(said.text(Lang::Es), (ES.weights_bad)("pesos.bin", "vacío"));
    assert_eq!(said.text(Lang::En), (EN.weights_bad)("pesos.bin", "vacío"));
    assert_ne!(said.text(Lang::Es), said.text(Lang::En));
    let message = resnet_webgpu::protocol::FromWorker::Error { message: said.clone() };
    let json = serde_json::to_string(&message).unwrap();
    match serde_json::from_str(&json).unwrap() {
        resnet_webgpu::protocol::FromWorker::Error { message } => assert_eq!(message, said),
        other => panic!("{other:?}"),
    }
    let plain = Said::plain("GPUDevice lost");
    assert_eq!((plain.text(Lang::Es), plain.text(Lang::En)), ("GPUDevice lost", "GPUDevice lost"));
    let more = plain.map(|t, why| format!("{why} {}", t.recovery_next));
    assert_eq!(more.text(Lang::En), format!("GPUDevice lost {}", EN.recovery_next));
    assert_eq!(more.text(Lang::Es), format!("GPUDevice lost {}", ES.recovery_next));
}
