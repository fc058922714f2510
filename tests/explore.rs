//! The test-set explorer's ordering and filters.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

use resnet_webgpu::explore::{Order, Query, argmax, explore};

/// Probabilities putting `p` on class `c` and spreading the rest evenly.
fn row(c: usize, p: f32) -> Vec<f32> {
    (0..10).map(|k| if k == c { p } else { (1.0 - p) / 9.0 }).collect()
}

fn fixture() -> (Vec<u8>, Vec<f32>) {
    // (truth, predicted, confidence)
    let cases = [(0, 0, 0.9), (1, 3, 0.8), (2, 2, 0.5), (3, 1, 0.95), (1, 3, 0.6), (4, 4, 0.99), (5, 5, 0.5), (3, 1, 0.95)];
    let labels = cases.iter().map(|c| c.0).collect();
    let probabilities = cases.iter().flat_map(|&(_, p, q)| row(p, q)).collect();
    (labels, probabilities)
}

fn indices(order: Order, truth: Option<usize>, predicted: Option<usize>, count: usize) -> Vec<usize> {
    let (labels, probabilities) = fixture();
    explore(&labels, &probabilities, &Query { order, truth, predicted, count }).iter().map(|i| i.index).collect()
}

#[test]
fn orders_by_confidence_with_ties_in_test_set_order() {
    // Wrong answers: #3 and #7 (0.95, tie → index order), #1 (0.8), #4 (0.6).
    assert_eq!(indices(Order::ConfidentWrong, None, None, 10), [3, 7, 1, 4]);
    // Right answers: #5 (0.99), #0 (0.9), then #2 and #6 (0.5, tie).
    assert_eq!(indices(Order::ConfidentRight, None, None, 10), [5, 0, 2, 6]);
    // Least sure first, right or wrong.
    assert_eq!(indices(Order::Uncertain, None, None, 3), [2, 6, 4]);
    assert_eq!(indices(Order::ConfidentWrong, None, None, 2), [3, 7]);
    assert!(indices(Order::ConfidentWrong, None, None, 0).is_empty());
}

#[test]
fn filters_by_true_and_predicted_class() {
    assert_eq!(indices(Order::ConfidentWrong, Some(1), None, 10), [1, 4]);
    assert_eq!(indices(Order::ConfidentWrong, None, Some(1), 10), [3, 7]);
    assert_eq!(indices(Order::ConfidentWrong, Some(1), Some(3), 10), [1, 4]);
    // A diagonal cell of the confusion matrix lists right answers only.
    assert!(indices(Order::ConfidentWrong, Some(2), Some(2), 10).is_empty());
    assert_eq!(indices(Order::ConfidentRight, Some(2), Some(2), 10), [2]);
    assert!(indices(Order::ConfidentRight, Some(9), None, 10).is_empty());
}

#[test]
fn items_carry_both_probabilities() {
    let (labels, probabilities) = fixture();
    let items = explore(&labels, &probabilities, &Query { order: Order::ConfidentWrong, count: 1, ..Query::default() });
    let item = items[0];
    assert_eq!((item.index, item.truth, item.predicted), (3, 3, 1));
    assert_eq!(item.confidence, 0.95);
    assert!((item.truth_probability - 0.05 / 9.0).abs() < 1e-7);
    assert_eq!(argmax(&[0.1, 0.4, 0.4, 0.1]), (1, 0.4), "the first of equal maxima");
}
