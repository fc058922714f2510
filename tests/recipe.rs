//! The seed's learning-rate schedule and the plateau reducer composed with it.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

use resnet_webgpu::recipe::{LrState, PlateauConfig, TrainConfig, lr_schedule};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1e-30)
}

#[test]
fn schedule_matches_the_seed() {
    for (epoch, expected) in [(0, 1e-3), (80, 1e-3), (81, 1e-4), (120, 1e-4), (121, 1e-5), (161, 1e-6), (181, 5e-7), (199, 5e-7)] {
        let lr = lr_schedule(1e-3, epoch);
        assert!(close(lr, expected), "epoch {epoch}: {lr} ≠ {expected}");
    }
}

#[test]
fn defaults_are_the_seeds() {
    let c = TrainConfig::default();
    assert_eq!((c.batch_size, c.epochs, c.learning_rate, c.l2), (32, 200, 1e-3, 1e-4));
    assert_eq!((c.beta_1, c.beta_2, c.epsilon), (0.9, 0.999, 1e-7));
    assert!(close(c.plateau.factor, 0.1f64.sqrt()));
    assert_eq!((c.plateau.patience, c.plateau.cooldown, c.plateau.min_lr), (5, 0, 0.5e-6));
    assert_eq!(c.max_shift(32), 3);
    assert!(c.augment && c.subtract_pixel_mean);
}

#[test]
fn plateau_reduction_takes_effect_and_composes_with_the_schedule() {
    let mut state = LrState::new(1e-3, PlateauConfig::default());
    assert!(!state.on_epoch_end(0, 1.0));
    // Five epochs without an improvement larger than min_delta: cut on the fifth.
    for epoch in 1..5 {
        assert!(!state.on_epoch_end(epoch, 1.0 - 0.5e-4), "epoch {epoch}");
    }
    assert!(state.on_epoch_end(5, 1.2));
    let factor = 0.1f64.sqrt();
    assert!(close(state.lr(6), 1e-3 * factor), "{}", state.lr(6));
    // The reduction survives the next epoch (Keras' scheduler would overwrite it)…
    assert!(!state.on_epoch_end(6, 0.5));
    assert!(close(state.lr(7), 1e-3 * factor));
    // …and multiplies the schedule's own drops.
    assert!(close(state.lr(81), 1e-4 * factor));
    assert_eq!(state.reductions(), 1);
}

#[test]
fn plateau_never_goes_below_min_lr() {
    let mut state = LrState::new(1e-3, PlateauConfig { patience: 1, ..PlateauConfig::default() });
    state.on_epoch_end(0, 1.0);
    for epoch in 1..40 {
        state.on_epoch_end(epoch, 2.0);
        assert!(state.lr(epoch + 1) >= 0.5e-6 * (1.0 - 1e-9), "epoch {epoch}: {}", state.lr(epoch + 1));
    }
    assert!(close(state.lr(40), 0.5e-6));
}

#[test]
fn cooldown_suspends_counting() {
    let config = PlateauConfig { patience: 1, cooldown: 2, ..PlateauConfig::default() };
    let mut state = LrState::new(1e-3, config);
    state.on_epoch_end(0, 1.0);
    assert!(state.on_epoch_end(1, 1.0));
    // Keras decrements the cooldown at the start of each epoch end and counts again as soon as
    // it reaches 0: with cooldown 2, the epoch right after the reduction is skipped, the second
    // counts.
    assert!(!state.on_epoch_end(2, 1.0));
    assert!(state.on_epoch_end(3, 1.0));
    assert_eq!(state.reductions(), 2);
}

/// One check of a run's settings for the page, its links and the trainer.
#[test]
fn validate_names_the_first_setting_out_of_bounds() {
    use resnet_webgpu::recipe::ConfigError;
    assert_eq!(TrainConfig::default().validate(), Ok(()));
    let bad = |config: TrainConfig| config.validate().unwrap_err();
    assert_eq!(bad(TrainConfig { batch_size: 1, ..TrainConfig::default() }), ConfigError::BatchSize(1));
    assert_eq!(bad(TrainConfig { batch_size: 513, ..TrainConfig::default() }).key(), "batch_size");
    assert_eq!(bad(TrainConfig { epochs: 0, ..TrainConfig::default() }), ConfigError::Epochs(0));
    assert!(bad(TrainConfig { learning_rate: f64::NAN, ..TrainConfig::default() }).to_string().starts_with("lr=NaN"));
    assert_eq!(bad(TrainConfig { learning_rate: -1.0, ..TrainConfig::default() }).key(), "lr");
    assert_eq!(bad(TrainConfig { limit_train: Some(1), ..TrainConfig::default() }), ConfigError::TrainImages(1));
    assert_eq!(bad(TrainConfig { limit_test: Some(0), ..TrainConfig::default() }), ConfigError::TestImages(0));
    // A diverging learning rate is allowed: the trainer stops the run with advice.
    assert_eq!(TrainConfig { learning_rate: 1e6, ..TrainConfig::default() }.validate(), Ok(()));
}
