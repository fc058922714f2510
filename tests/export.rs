//! Exports: CSV and JSON of the history, the run's settings as a URL query.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

use resnet_webgpu::conv::ConvRoute;
use resnet_webgpu::export::{config_from_query, config_to_query, history_csv, history_json};
use resnet_webgpu::model::ModelKind;
use resnet_webgpu::recipe::TrainConfig;
use resnet_webgpu::trainer::EpochMetrics;

fn epoch(e: usize) -> EpochMetrics {
    EpochMetrics {
        epoch: e,
        lr: 1e-3,
        train_loss: 2.5 - e as f64,
        train_accuracy: 0.25,
        val_loss: 2.0,
        val_accuracy: 0.375,
        per_class_accuracy: vec![0.5; 10],
        confusion: vec![vec![0; 10]; 10],
        seconds: 12.5,
        images_per_sec: 400.0,
    }
}

#[test]
fn csv_has_a_header_and_a_line_per_epoch() {
    let csv = history_csv(&[epoch(0), epoch(1)]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy"));
    assert_eq!(lines[0].split(',').count(), 18);
    assert_eq!(lines[1], "1,0.001,2.5,0.25,2,0.375,12.5,400,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5");
    assert!(lines[2].starts_with("2,0.001,1.5,"));
    let json: Vec<EpochMetrics> = serde_json::from_str(&history_json(&[epoch(0)])).expect("JSON");
    assert_eq!(json, vec![epoch(0)]);
}

#[test]
fn config_round_trips_through_the_url() {
    let config = TrainConfig {
        model: ModelKind::RESNET29_V2,
        batch_size: 128,
        epochs: 30,
        learning_rate: 5e-4,
        augment: false,
        ..TrainConfig::default()
    };
    let query = config_to_query(&config);
    assert_eq!(query, "model=resnet29v2&batch_size=128&epochs=30&lr=0.0005&augment=0");
    assert_eq!(config_from_query(&format!("?{query}")), Ok(config));
    assert_eq!(config_from_query(""), Ok(TrainConfig::default()));
    assert!(config_from_query("model=resnet21v1").unwrap_err().contains("6n + 2"));
    assert!(config_from_query("batch_size=1").is_err());
    assert!(config_from_query("lr=-1").is_err());
    // Part of the data, for a quick look: kept in the link, checked like the rest.
    let quick = TrainConfig { limit_train: Some(64), limit_test: Some(200), ..TrainConfig::default() };
    let query = config_to_query(&quick);
    assert!(query.ends_with("&train_images=64&test_images=200"), "{query}");
    assert_eq!(config_from_query(&query), Ok(quick));
    assert!(config_from_query("train_images=1").unwrap_err().contains("train_images=1"));
    assert!(config_from_query("test_images=x").is_err());
    // The convolution route: only in a link when not the device's own choice.
    let gemm = TrainConfig { conv: ConvRoute::Backend, ..TrainConfig::default() };
    let query = config_to_query(&gemm);
    assert!(query.ends_with("&conv=backend"), "{query}");
    assert_eq!(config_from_query(&query), Ok(gemm));
    assert!(config_from_query("conv=winograd").unwrap_err().contains("conv=winograd"));
}

#[test]
fn charts_export_as_svg_documents() {
    use resnet_webgpu::charts::{Series, line_chart_svg};
    let svg = line_chart_svg("Pérdida por época", "época", "pérdida", &[
        Series { name: "entrenamiento", color: (31, 119, 180), points: vec![(1.0, 2.3), (2.0, 1.9), (3.0, 1.6)] },
        Series { name: "validación", color: (214, 39, 40), points: vec![(1.0, 2.2), (2.0, f64::NAN), (3.0, 1.7)] },
    ])
    .expect("draws");
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    assert!(svg.trim_end().ends_with("</svg>"));
    for text in ["Pérdida por época", "entrenamiento", "validación", "época"] {
        assert!(svg.contains(text), "the SVG lacks «{text}»");
    }
    // One polyline per series plus the two legend samples; the NaN point is left out.
    assert!(svg.matches("<polyline").count() >= 2, "{svg}");
    assert!(svg.contains("rgb(31,119,180)") || svg.contains("#1F77B4"), "series colour missing");
    assert!(!svg.contains("NaN"));
    // No data yet: still a valid chart with axes.
    let empty = line_chart_svg("t", "x", "y", &[Series { name: "s", color: (0, 0, 0), points: vec![] }]).expect("draws");
    assert!(empty.contains("</svg>"));
}

/// A link's bad values are each named; its good ones are kept (the page says which were bad).
#[test]
fn link_values_are_checked_one_by_one() {
    use resnet_webgpu::export::config_from_pairs;
    let (config, errors) = config_from_pairs([
        ("batch_size", "-1"),
        ("model", "resnet9999v1"),
        ("epochs", "5"),
        ("lang", "en"),
        ("lr", "0"),
        ("augment", "0"),
    ]);
    assert_eq!(config, TrainConfig { epochs: 5, augment: false, ..TrainConfig::default() });
    let named: Vec<String> = errors.iter().map(|e| format!("{}={}", e.key, e.value)).collect();
    assert_eq!(named, ["batch_size=-1", "model=resnet9999v1", "lr=0"]);
    assert!(errors[0].to_string().starts_with("batch_size=-1: "), "{}", errors[0]);
    assert!(errors[2].reason.contains("positive"), "{}", errors[2]);
    // The same bounds as the controls and the trainer: `TrainConfig::validate`.
    let (_, errors) = config_from_pairs([("batch_size", "513"), ("epochs", "1001"), ("batch_size", "512")]);
    assert_eq!(errors.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(), ["batch_size", "epochs"]);
}

#[test]
fn the_lessons_experiment_links_are_valid_settings() {
    // www/tutorial.md sets up experiments with links such as `[…](?model=plain56&…)`: each must
    // parse and pass the one validation the page applies.
    let lesson = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/tutorial.md")).expect("the lesson");
    let links: Vec<&str> = lesson
        .match_indices("](?")
        .map(|(i, _)| {
            let rest = &lesson[i + 3..];
            &rest[..rest.find(')').expect("a closed link")]
        })
        .collect();
    assert!(links.len() >= 4, "{links:?}");
    for link in &links {
        let config = config_from_query(link).unwrap_or_else(|e| panic!("{link}: {e}"));
        assert!(config.validate().is_ok(), "{link}");
    }
    for model in ["plain20", "plain56", "resnet20v1", "resnet56v1"] {
        assert!(links.iter().any(|l| l.contains(&format!("model={model}&"))), "no link trains {model}: {links:?}");
    }
}
