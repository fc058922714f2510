//! The test-set explorer: which test images the network gets most wrong, most right, or is least
//! sure about, by the probability it gives its own answer — optionally only one true class, one
//! predicted class, or one cell of the confusion matrix.

use serde::{Deserialize, Serialize};

use crate::data::NUM_CLASSES;

/// How to order the test images.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Wrong answers, the most confident first.
    #[default]
    ConfidentWrong,
    /// Right answers, the most confident first.
    ConfidentRight,
    /// Every answer, the least confident first.
    Uncertain,
}

/// Which images to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    pub order: Order,
    /// Only images of this true class.
    pub truth: Option<usize>,
    /// Only images predicted as this class.
    pub predicted: Option<usize>,
    /// At most this many.
    pub count: usize,
}

/// One test image in the list.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Index in the test set.
    pub index: usize,
    pub truth: usize,
    pub predicted: usize,
    /// Probability of the predicted class.
    pub confidence: f32,
    /// Probability of the true class.
    pub truth_probability: f32,
}

/// The predicted class (the first of equal maxima) and its probability.
pub fn argmax(probabilities: &[f32]) -> (usize, f32) {
    probabilities
        .iter()
        .copied()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (c, p)| if p > best.1 { (c, p) } else { best })
}

/// Lists the images `query` asks for. `probabilities` holds `NUM_CLASSES` values per image, in
/// the order of `labels`. Ties keep the test set's order, so the list is deterministic.
pub fn explore(labels: &[u8], probabilities: &[f32], query: &Query) -> Vec<Item> {
    let mut items: Vec<Item> = labels
        .iter()
        .zip(probabilities.chunks_exact(NUM_CLASSES))
        .enumerate()
        .map(|(index, (&truth, p))| {
            let (predicted, confidence) = argmax(p);
            let truth = truth as usize;
            Item { index, truth, predicted, confidence, truth_probability: p[truth.min(NUM_CLASSES - 1)] }
        })
        .filter(|item| query.truth.is_none_or(|t| t == item.truth))
        .filter(|item| query.predicted.is_none_or(|p| p == item.predicted))
        .filter(|item| match query.order {
            Order::ConfidentWrong => item.truth != item.predicted,
            Order::ConfidentRight => item.truth == item.predicted,
            Order::Uncertain => true,
        })
        .collect();
    match query.order {
        Order::ConfidentWrong | Order::ConfidentRight => {
            items.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then(a.index.cmp(&b.index)))
        }
        Order::Uncertain => items.sort_by(|a, b| a.confidence.total_cmp(&b.confidence).then(a.index.cmp(&b.index))),
    }
    items.truncate(query.count);
    items
}
