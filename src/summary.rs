//! The model summary (Keras' `model.summary()`): one row per layer with its output shape and
//! parameter counts, read from the live model's tensors.

use std::fmt;

use burn::nn::BatchNorm;
use burn::nn::conv::Conv2d;
use serde::{Deserialize, Serialize};

use crate::model::{Block, ResNet, ResnetLayer};

/// One layer of the summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerRow {
    /// Path of the layer in the model, e.g. `blocks.3.first.conv`.
    pub name: String,
    /// Keras-style kind: `Conv2D`, `BatchNormalization`, `Activation`, `Add`, ….
    pub kind: String,
    /// Output shape without the batch dimension, channels first: `[c, h, w]` or `[classes]`.
    pub output: Vec<usize>,
    /// Trainable parameters of the layer.
    pub trainable: usize,
    /// Non-trainable parameters (batch-norm running statistics).
    pub non_trainable: usize,
}

/// A model's layer table and totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub model: String,
    pub rows: Vec<LayerRow>,
}

impl Summary {
    /// Walks `model` in forward order.
    pub fn of(model: &ResNet) -> Self {
        let mut walker = Walker { rows: Vec::new(), shape: [3, 32, 32] };
        walker.layer("stem", &model.stem);
        for (i, block) in model.blocks.iter().enumerate() {
            let input = walker.shape;
            let prefix = format!("blocks.{i}");
            let (layers, projection, add, relu_after): (Vec<(&str, &ResnetLayer)>, _, _, _) = match block {
                Block::Basic(b) => (
                    vec![("first", &b.first), ("second", &b.second)],
                    b.projection.as_ref(),
                    b.shortcut, // a plain network's block has no sum
                    true,
                ),
                Block::Bottleneck(b) => (
                    vec![("reduce", &b.reduce), ("spatial", &b.spatial), ("expand", &b.expand)],
                    b.projection.as_ref(),
                    true,
                    false,
                ),
            };
            for (name, layer) in layers {
                walker.layer(&format!("{prefix}.{name}"), layer);
            }
            if let Some(projection) = projection {
                let out = walker.shape;
                walker.shape = input;
                walker.layer(&format!("{prefix}.projection"), projection);
                debug_assert_eq!(walker.shape, out);
            }
            if add {
                walker.plain(&format!("{prefix}.add"), "Add");
            }
            if relu_after {
                walker.plain(&format!("{prefix}.relu"), "Activation(relu)");
            }
        }
        if let Some(bn) = &model.head_bn {
            walker.batch_norm("head_bn", bn);
            walker.plain("head_relu", "Activation(relu)");
        }
        walker.shape = [walker.shape[0], 1, 1];
        walker.plain("pool", "AveragePooling2D(8)");
        // burn stores a dense weight as [in, out].
        let [features, classes] = model.fc.weight.dims();
        let bias = model.fc.bias.as_ref().map_or(0, |b| b.dims()[0]);
        walker.rows.push(LayerRow {
            name: "fc".into(),
            kind: "Dense(softmax)".into(),
            output: vec![classes],
            trainable: classes * features + bias,
            non_trainable: 0,
        });
        Summary { model: model.kind.to_string(), rows: walker.rows }
    }

    /// Sum of the trainable parameters.
    pub fn trainable(&self) -> usize {
        self.rows.iter().map(|r| r.trainable).sum()
    }

    /// Floating-point operations of one image's forward pass: 2 per multiply-add of the
    /// convolutions and the dense layer (batch norm, ReLU, additions and pooling, all linear in
    /// the activations, are left out: under 1 % here).
    pub fn forward_flops(&self) -> u64 {
        let macs: u64 = self
            .rows
            .iter()
            .map(|r| {
                let outputs = r.output.first().copied().unwrap_or(0);
                let weights = r.trainable.saturating_sub(outputs) as u64; // minus the biases
                let positions: usize = r.output.iter().skip(1).product();
                if r.kind.starts_with("Conv2D") || r.kind.starts_with("Dense") { weights * positions as u64 } else { 0 }
            })
            .sum();
        2 * macs
    }

    /// Operations of one image in a training step: the forward pass, and a backward pass that
    /// costs twice as much (gradients with respect to inputs and to weights).
    pub fn training_flops_per_image(&self) -> u64 {
        3 * self.forward_flops()
    }

    /// Sum of all parameters, batch-norm running statistics included (Keras' "Total params").
    pub fn total(&self) -> usize {
        self.rows.iter().map(|r| r.trainable + r.non_trainable).sum()
    }
}

struct Walker {
    rows: Vec<LayerRow>,
    shape: [usize; 3],
}

impl Walker {
    fn layer(&mut self, prefix: &str, layer: &ResnetLayer) {
        let bn_act = |w: &mut Walker| {
            if let Some(bn) = &layer.bn {
                w.batch_norm(&format!("{prefix}.bn"), bn);
            }
            if layer.relu {
                w.plain(&format!("{prefix}.relu"), "Activation(relu)");
            }
        };
        if layer.conv_first {
            self.conv(&format!("{prefix}.conv"), &layer.conv);
            bn_act(self);
        } else {
            bn_act(self);
            self.conv(&format!("{prefix}.conv"), &layer.conv);
        }
    }

    fn conv(&mut self, name: &str, conv: &Conv2d) {
        let [out, inp, kh, kw] = conv.weight.dims();
        let bias = conv.bias.as_ref().map_or(0, |b| b.dims()[0]);
        let [_, h, w] = self.shape;
        self.shape = [out, h.div_ceil(conv.stride[0]), w.div_ceil(conv.stride[1])];
        self.rows.push(LayerRow {
            name: name.into(),
            kind: format!("Conv2D({kh}×{kw}, stride {})", conv.stride[0]),
            output: self.shape.to_vec(),
            trainable: out * inp * kh * kw + bias,
            non_trainable: 0,
        });
    }

    fn batch_norm(&mut self, name: &str, bn: &BatchNorm) {
        let [features] = bn.gamma.dims();
        let [running] = bn.running_mean.value().dims();
        self.rows.push(LayerRow {
            name: name.into(),
            kind: "BatchNormalization".into(),
            output: self.shape.to_vec(),
            trainable: features + bn.beta.dims()[0],
            non_trainable: running * 2,
        });
    }

    fn plain(&mut self, name: &str, kind: &str) {
        self.rows.push(LayerRow {
            name: name.into(),
            kind: kind.into(),
            output: self.shape.to_vec(),
            trainable: 0,
            non_trainable: 0,
        });
    }
}

/// `n` with its digits in groups of three, `separator` between groups: `273,066`.
pub fn group_digits(n: usize, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Summary {
    /// The layer table, then the totals on lines of their own:
    /// `trainable parameters: N` and `total parameters: N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Model: {}", self.model)?;
        writeln!(f, "{:<28} {:<26} {:<16} {:>10}", "Layer", "Type", "Output shape", "Params")?;
        writeln!(f, "{}", "─".repeat(83))?;
        for row in &self.rows {
            let shape = format!("{:?}", row.output);
            writeln!(
                f,
                "{:<28} {:<26} {:<16} {:>10}",
                row.name,
                row.kind,
                shape,
                group_digits(row.trainable + row.non_trainable, ',')
            )?;
        }
        writeln!(f, "{}", "─".repeat(83))?;
        writeln!(f, "non-trainable parameters: {}", self.total() - self.trainable())?;
        writeln!(f, "trainable parameters: {}", self.trainable())?;
        write!(f, "total parameters: {}", self.total())
    }
}
