//! The lab's arithmetic: experiments' run order, budgets from a measured speed, what finished
//! runs show, kept runs and their overlay.
#![cfg(not(target_arch = "wasm32"))]

use resnet_webgpu::experiment::{
    Available, Cost, Errors, Experiment, Finding, MAX_TEST, Net, Numbers, Verdict, beats_chance, noise, MIN_EPOCHS, RUN_OVERHEAD_S, Speed, TARGET_EPOCHS,
    expected_seconds, plan, run_seconds,
};
use resnet_webgpu::html::runs_table;
use resnet_webgpu::i18n::{EN, ES};
use resnet_webgpu::metrics::EpochMetrics;
use resnet_webgpu::model::{ModelKind, ResNetConfig};
use resnet_webgpu::recipe::TrainConfig;
use resnet_webgpu::runs::{RunRecord, overlay, overlay_csv};
use resnet_webgpu::summary::Summary;

use burn::prelude::*;

fn cost(model: ModelKind) -> Cost {
    Cost::of(&Summary::of(&ResNetConfig::from(model).try_init(&Device::flex()).expect("model")))
}

const FULL: Available = Available { train: 50_000, test: 10_000, batch_size: 128 };
/// About this VM's page on the CPU: ResNet20 v1 trains at ~60 img/s (0.25 GFLOP per image).
const CPU: Speed = Speed { gflops: 14.8 };

#[test]
fn experiments_train_their_networks_cheapest_first() {
    let names = |e: Experiment| e.arms().iter().map(|a| (a.model.to_string(), a.augment)).collect::<Vec<_>>();
    let s = |m: &str, a: bool| (m.to_string(), a);
    assert_eq!(names(Experiment::Degradation), [
        s("plain20", true),
        s("resnet20v1", true),
        s("plain56", true),
        s("resnet56v1", true)
    ]);
    assert_eq!(names(Experiment::Augmentation), [s("resnet20v1", true), s("resnet20v1", false)]);
    assert_eq!(names(Experiment::Versions), [s("resnet20v1", true), s("resnet29v2", true)]);
    for e in Experiment::ALL {
        assert_eq!(Experiment::from_key(e.key()), Some(e));
        let costs: Vec<u64> = e.arms().iter().map(|a| cost(a.model).train_flops).collect();
        assert!(costs.windows(2).all(|w| w[0] <= w[1]), "{e:?}: {costs:?}");
    }
}

#[test]
fn a_plan_fills_the_budget_with_the_same_data_for_every_run() {
    let e = Experiment::Degradation;
    let costs: Vec<Cost> = e.arms().iter().map(|a| cost(a.model)).collect();
    let base = TrainConfig { batch_size: 128, seed: 7, ..TrainConfig::default() };
    let p = plan(Some(e), &base, &costs, &CPU, 600.0, FULL);
    assert!(p.fits(), "{p:?}");
    // Within the budget, and not far below it: the next batch of images would not fit.
    assert!(p.expected_seconds <= 600.0 && p.expected_seconds > 600.0 - 8.0 * 128.0 * 0.2, "{p:?}");
    let one_more = expected_seconds(&CPU, &costs, p.epochs, p.train_images + 128, p.test_images);
    assert!(one_more > 600.0, "{one_more}");
    assert_eq!(p.train_images % 128, 0);
    assert!((MIN_EPOCHS..=TARGET_EPOCHS).contains(&p.epochs));
    assert_eq!(p.test_images, MAX_TEST);
    assert_eq!(p.runs.len(), 4);
    for (run, arm) in p.runs.iter().zip(e.arms()) {
        assert_eq!((run.model, run.augment), (arm.model, arm.augment));
        assert_eq!((run.seed, run.batch_size, run.epochs), (7, 128, p.epochs));
        assert_eq!((run.limit_train, run.limit_test), (Some(p.train_images), Some(p.test_images)));
        run.validate().expect("a valid run");
    }
    // The expected time is the sum of the runs' epochs at their own costs.
    let by_hand: f64 = costs
        .iter()
        .map(|c| {
            let train = p.train_images as f64 * c.train_flops as f64 / 14.8e9;
            let test = p.test_images as f64 * c.forward_flops as f64 / 14.8e9;
            RUN_OVERHEAD_S + p.epochs as f64 * (train + test)
        })
        .sum();
    assert!((by_hand - p.expected_seconds).abs() < 1e-6);
}

#[test]
fn a_longer_budget_or_a_faster_device_buys_more_images_then_more_epochs() {
    let arms = Experiment::Augmentation.arms();
    let costs: Vec<Cost> = arms.iter().map(|a| cost(a.model)).collect();
    let base = TrainConfig { batch_size: 128, ..TrainConfig::default() };
    let short = plan(Some(Experiment::Augmentation), &base, &costs, &CPU, 600.0, FULL);
    let long = plan(Some(Experiment::Augmentation), &base, &costs, &CPU, 3600.0, FULL);
    assert!(long.train_images * long.epochs > short.train_images * short.epochs);
    // A GPU a thousand times faster: the whole training set, and epochs to fill the hour.
    let gpu = Speed { gflops: 14_800.0 };
    let fast = plan(Some(Experiment::Augmentation), &base, &costs, &gpu, 3600.0, FULL);
    assert_eq!((fast.train_images, fast.runs[0].limit_train, fast.runs[0].limit_test), (50_000, None, Some(MAX_TEST)));
    assert!(fast.epochs > TARGET_EPOCHS && fast.fits(), "{fast:?}");
}

#[test]
fn a_budget_too_short_still_plans_the_least_that_makes_sense_and_says_so() {
    let e = Experiment::Degradation;
    let costs: Vec<Cost> = e.arms().iter().map(|a| cost(a.model)).collect();
    let base = TrainConfig { batch_size: 32, ..TrainConfig::default() };
    let available = Available { train: 5_000, test: 1_000, batch_size: 32 };
    let p = plan(Some(e), &base, &costs, &CPU, 20.0, available);
    assert_eq!((p.epochs, p.train_images, p.test_images), (MIN_EPOCHS, 64, 100));
    assert!(!p.fits());
    assert!(p.expected_seconds > 20.0);
}

#[test]
fn a_single_runs_expected_time_follows_its_settings() {
    let c = cost(ModelKind::RESNET20_V1);
    let config = TrainConfig { epochs: 2, limit_train: Some(1000), limit_test: Some(100), ..TrainConfig::default() };
    let expected = RUN_OVERHEAD_S + 2.0 * (1000.0 * c.train_flops as f64 / 14.8e9 + 100.0 * c.forward_flops as f64 / 14.8e9);
    assert!((run_seconds(&CPU, c, &config, FULL) - expected).abs() < 1e-9);
    // The paper's recipe on the full set: 200 epochs at ~60 img/s is about two days.
    let paper = run_seconds(&CPU, c, &TrainConfig::default(), FULL);
    assert!((40.0 * 3600.0..60.0 * 3600.0).contains(&paper), "{paper}");
}

fn epoch(epoch: usize, train_accuracy: f64, val_accuracy: f64) -> EpochMetrics {
    EpochMetrics {
        epoch,
        lr: 1e-3,
        train_loss: 1.0,
        train_accuracy,
        val_loss: 1.2,
        val_accuracy,
        per_class_accuracy: vec![val_accuracy; 10],
        confusion: vec![vec![0; 10]; 10],
        seconds: 10.0,
        images_per_sec: 100.0,
    }
}

#[test]
fn speed_is_read_from_an_epochs_own_time() {
    let c = Cost { train_flops: 1_000_000_000, forward_flops: 300_000_000 };
    // 1,000 training images (1,000 GFLOP) and 500 test images (150 GFLOP) in 11.5 s: 100 GFLOP/s.
    let m = EpochMetrics { seconds: 11.5, ..epoch(0, 0.5, 0.5) };
    let s = Speed::from_epoch(&m, 1000, 500, c).expect("speed");
    assert!((s.gflops - 100.0).abs() < 1e-9, "{s:?}");
    assert!((s.epoch_seconds(c, 1000, 500) - 11.5).abs() < 1e-9);
    assert_eq!(Speed::from_epoch(&EpochMetrics { seconds: 0.0, ..m }, 1000, 500, c), None);
    // From training steps alone: 100 img/s of 1 GFLOP each.
    assert_eq!(Speed::from_training(100.0, c), Some(Speed { gflops: 100.0 }));
    assert_eq!(Speed::from_training(f64::NAN, c), None);
}

#[test]
fn findings_say_whether_the_runs_show_what_the_paper_saw_beyond_the_noise() {
    let h = |train: f64, test: f64| vec![epoch(0, 0.3, 0.3), epoch(1, 1.0 - train, 1.0 - test)];
    let (p20, r20, p56, r56) = (h(0.20, 0.25), h(0.15, 0.20), h(0.30, 0.33), h(0.10, 0.18));
    // On 10,000 training images, 10 points apart is far beyond the noise (±1.2 points).
    let f = Finding::of(Experiment::Degradation, &[&p20, &r20, &p56, &r56], 10_000, 1_000).expect("four runs");
    let Numbers::Degradation { plain56, resnet56, .. } = f.numbers else { panic!("{f:?}") };
    assert!((plain56.train - 0.30).abs() < 1e-9 && (resnet56.test - 0.18).abs() < 1e-9);
    assert_eq!(f.verdict(), Verdict::Shown);
    let sentence = (ES.lab.finding)(&f);
    assert!(sentence.contains("Plain-56 30.0 %") && sentence.ends_with("Esta ejecución lo muestra."), "{sentence}");
    assert!(sentence.contains("se ve la degradación") && sentence.contains("la profundidad ayuda"), "{sentence}");
    // The same numbers on 64 images: within the noise, and said so.
    let f = Finding::of(Experiment::Degradation, &[&p20, &r20, &p56, &r56], 64, 100).expect("four runs");
    assert_eq!(f.verdict(), Verdict::Unclear);
    assert_eq!(f.checks()[0].holds, None);
    assert!((f.checks()[0].margin - noise(0.3, 0.2, 64)).abs() < 1e-9);
    let sentence = (ES.lab.finding)(&f);
    assert!(sentence.contains("Entre las dos redes planas la diferencia cabe en el ruido (±15.2 puntos)"), "{sentence}");
    assert!(sentence.ends_with("prueba con más tiempo."), "{sentence}");
    // What the 10-minute run on this VM showed (BENCHMARKS.md): the plain nets apart beyond the
    // noise, the ResNets within it; said clause by clause.
    let f = Finding::of(Experiment::Degradation, &[&h(0.789, 0.874), &h(0.721, 0.878), &h(0.876, 0.902), &h(0.746, 0.90)], 1024, 1000)
        .expect("four runs");
    assert_eq!(f.checks().iter().map(|c| c.holds).collect::<Vec<_>>(), [Some(true), None]);
    assert_eq!(f.verdict(), Verdict::Unclear);
    let sentence = (EN.lab.finding)(&f);
    assert!(sentence.contains("degradation shows") && sentence.contains("Between the two ResNets the difference is within the noise (±3.9 points)"), "{sentence}");
    // Plain-56 clearly better than plain-20 is not degradation: said so.
    let f = Finding::of(Experiment::Degradation, &[&p20, &r20, &h(0.10, 0.2), &r56], 10_000, 1_000).expect("four runs");
    assert_eq!(f.verdict(), Verdict::NotShown);
    assert!((EN.lab.finding)(&f).contains("ends better than the 20-layer one, beyond the noise"));
    // Augmentation: the gap without it is wider.
    let f = Finding::of(Experiment::Augmentation, &[&h(0.2, 0.25), &h(0.05, 0.3)], 10_000, 10_000).expect("two runs");
    assert_eq!(f.verdict(), Verdict::Shown);
    let f = Finding::of(Experiment::Versions, &[&h(0.2, 0.25), &h(0.2, 0.30)], 10_000, 10_000).expect("two runs");
    assert_eq!(f.verdict(), Verdict::NotShown);
    // Networks at chance on the test set (as a 12-second budget leaves them) show nothing, even
    // when their gaps differ beyond the noise: a network that guesses has learned nothing.
    let (with, without) = (h(0.938, 0.89), h(0.797, 0.90));
    let f = Finding::of(Experiment::Augmentation, &[&with, &without], 64, 100).expect("two runs");
    assert_eq!(f.checks()[0].holds, Some(true));
    assert_eq!(f.guessing(), [Net::With, Net::Without]);
    assert_eq!(f.verdict(), Verdict::Guessing);
    let sentence = (ES.lab.finding)(&f);
    assert!(sentence.contains("las redes con aumentación y sin aumentación no aciertan más que adivinando"), "{sentence}");
    assert!(!sentence.contains("lo muestra"), "{sentence}");
    assert!((EN.lab.finding)(&f).contains("do no better than guessing"));
    // One of them learned: the other is named alone.
    let f = Finding::of(Experiment::Versions, &[&h(0.5, 0.6), &h(0.88, 0.89)], 1_000, 1_000).expect("two runs");
    assert_eq!((f.guessing(), f.verdict()), (vec![Net::V2], Verdict::Guessing));
    assert!((ES.lab.finding)(&f).contains("Pero la red ResNet29 v2 no acierta más que adivinando"));
    // Degradation is about training: plain-56 near guessing is the effect, not a failure;
    // plain-20 and ResNet-56 have to have learned.
    let f = Finding::of(Experiment::Degradation, &[&h(0.6, 0.7), &h(0.5, 0.6), &h(0.89, 0.9), &h(0.4, 0.5)], 10_000, 1_000)
        .expect("four runs");
    assert_eq!((f.guessing(), f.verdict()), (vec![], Verdict::Shown));
    assert!(beats_chance(0.85, 10_000) && !beats_chance(0.85, 100) && !beats_chance(0.95, 1_000_000));
    // Not before every run has an epoch.
    assert_eq!(Finding::of(Experiment::Versions, &[&h(0.2, 0.25), &vec![]], 1, 1), None);
    assert_eq!(Errors::of(&[]), None);
}

fn record(id: &str, model: ModelKind, history: Vec<EpochMetrics>) -> RunRecord {
    RunRecord {
        id: id.into(),
        started_ms: 1.7e12,
        config: TrainConfig { model, epochs: 3, limit_train: Some(2048), ..TrainConfig::default() },
        history,
        stopped: false,
        device: "CPU".into(),
        experiment: Some((1.7e12, Experiment::Degradation)),
    }
}

#[test]
fn a_continued_run_is_recognised_by_its_settings_and_first_epoch() {
    let run = record("a", ModelKind::PLAIN20, vec![epoch(0, 0.3, 0.35)]);
    let longer = TrainConfig { epochs: 10, ..run.config.clone() };
    assert!(run.continued_by(&longer, &[epoch(0, 0.3, 0.35), epoch(1, 0.4, 0.4)]));
    assert!(!run.continued_by(&longer, &[epoch(0, 0.31, 0.35)]), "another first epoch");
    assert!(!run.continued_by(&TrainConfig { augment: false, ..longer }, &[epoch(0, 0.3, 0.35)]));
    assert_eq!(run.best_accuracy(), Some(0.35));
}

#[test]
fn the_overlay_has_a_training_and_a_test_curve_per_run() {
    let a = record("a", ModelKind::PLAIN20, vec![epoch(0, 0.3, 0.35), epoch(1, 0.5, 0.45)]);
    let b = record("b", ModelKind::PLAIN56, vec![epoch(0, 0.2, 0.25)]);
    let curves = overlay(&[(&a, "plain20".into()), (&b, "plain56".into())], "entrenamiento", "prueba");
    assert_eq!(curves.len(), 4);
    assert_eq!(curves[0].label, "plain20 · entrenamiento");
    assert!(curves[0].training && !curves[1].training);
    assert_eq!(curves[0].color, curves[1].color);
    assert_ne!(curves[0].color, curves[2].color);
    assert_eq!(curves[0].points, vec![(1.0, 70.0), (2.0, 50.0)]);
    assert!((curves[3].points[0].1 - 75.0).abs() < 1e-9);
    let csv = overlay_csv(&[&a, &b]);
    assert_eq!(csv.lines().count(), 1 + 3);
    assert!(csv.lines().nth(3).expect("row").starts_with("b,plain56,1,1,"));
}

#[test]
fn the_runs_list_escapes_and_marks_the_overlaid_runs() {
    let mut a = record("a\"<x>", ModelKind::RESNET20_V1, vec![epoch(0, 0.3, 0.35)]);
    a.stopped = true;
    let b = record("b", ModelKind::PLAIN56, vec![]);
    a.experiment = Some((1.0, Experiment::Augmentation));
    let html = runs_table(&ES, &[a.clone(), b], &["1/12/2026 <b>".into(), "—".into()], &["b".into()]);
    assert!(html.contains("data-run=\"a&quot;&lt;x&gt;\"") && !html.contains("<x>") && !html.contains("<b>"));
    assert_eq!(html.matches("checked").count(), 1);
    assert_eq!(html.matches("class=\"swatch\"").count(), 1);
    assert!(
        html.contains("1/3 épocas · lote 32 · 2\u{202f}048 imágenes · prueba: todas · tasa 0.001 · con aumentación · experimento «Aumentación sí/no» · detenida"),
        "{html}"
    );
    // Each row's buttons are named after their run; the best accuracy says what it is on a phone.
    assert!(html.contains("aria-label=\"Borrar: ResNet20 v1, 1/12/2026 &lt;b&gt;\"") && html.contains("data-label=\"Mejor exactitud\""), "{html}");
    assert!(html.contains("35.0 %"));
    assert!(runs_table(&EN, &[], &[], &[]).contains("No finished runs yet"));
}

#[test]
fn the_lessons_experiment_buttons_name_experiments_the_lab_has() {
    let lesson = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/tutorial.md")).expect("the lesson");
    let keys: Vec<&str> = lesson.split("data-experiment=\"").skip(1).map(|rest| &rest[..rest.find('"').expect("quote")]).collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    for key in keys {
        assert!(Experiment::from_key(key).is_some(), "the lesson's button names `{key}`");
    }
    let page = include_str!("../index.html");
    for e in Experiment::ALL {
        assert!(page.contains(&format!("data-experiment=\"{}\"", e.key())), "no lab button for {e:?}");
    }
}
