//! The Keras reference ResNets for CIFAR-10: ResNet v1 (depth 6n+2, basic blocks) and ResNet v2
//! (depth 9n+2, pre-activation bottlenecks), layer for layer as the seed's `resnet_v1` and
//! `resnet_v2` build them; and the plain networks of He et al. (2016a, §4.2): v1 with its
//! shortcuts taken out, for the degradation experiment.

use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AvgPool2d, AvgPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::{relu, softmax};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use crate::batch_norm;
use crate::conv::{ConvRoute, conv2d_gemm};
use crate::residual;
// The network's name and kind live in `kind.rs`; kept reachable here, where they always were.
pub use crate::kind::{ModelError, ModelKind, PLAIN_DEPTHS, V1_DEPTHS, V2_DEPTHS, Version};

/// Keras' `BatchNormalization` defaults. Keras keeps `0.99 · running + 0.01 · batch`; burn's
/// momentum is the weight of the batch, so 1 − 0.99.
const BN_MOMENTUM: f64 = 1.0 - 0.99;
/// Keras' `BatchNormalization` epsilon.
const BN_EPSILON: f64 = 1e-3;
/// Keras' `he_normal`: a normal of deviation √(2 / fan_in) truncated at two deviations (Keras
/// scales the deviation by 1/0.87962566 so that the truncated draw keeps that variance). Drawn on
/// the host from the model's own seeded generator, so that a seed gives the same weights on every
/// backend and whatever else uses burn's global generator meanwhile.
fn he_normal<const D: usize>(shape: [usize; D], fan_in: usize, rng: &mut Xoshiro256PlusPlus, device: &Device) -> Param<Tensor<D>> {
    let std = (2.0 / fan_in as f64).sqrt() / 0.879_625_661_034_239_8;
    let count: usize = shape.iter().product();
    let mut values = Vec::with_capacity(count);
    while values.len() < count {
        // Box–Muller: two standard normals from two uniforms in (0, 1].
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        for z in [r * (std::f64::consts::TAU * u2).cos(), r * (std::f64::consts::TAU * u2).sin()] {
            if z.abs() <= 2.0 && values.len() < count {
                values.push((z * std) as f32);
            }
        }
    }
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

/// Zeros (Keras' default bias initialiser).
fn zeros(len: usize, device: &Device) -> Param<Tensor<1>> {
    Param::from_tensor(Tensor::zeros([len], device))
}

/// Settings of a ResNet (or of a plain network).
#[derive(Config, Debug)]
pub struct ResNetConfig {
    /// v1, v2 or plain.
    pub version: Version,
    /// 6n+2 for v1 and plain, 9n+2 for v2.
    pub depth: usize,
    /// Output classes (10 for CIFAR-10).
    #[config(default = 10)]
    pub num_classes: usize,
    /// Seed of the initial weights.
    #[config(default = 0)]
    pub seed: u64,
}

impl From<ModelKind> for ResNetConfig {
    fn from(kind: ModelKind) -> Self {
        ResNetConfig::new(kind.version, kind.depth)
    }
}

/// The seed's `resnet_layer`: Conv2D (same padding, he-normal kernel, zero bias), optional
/// batch normalisation, optional ReLU; in that order when `conv_first`, else BN → ReLU → conv.
#[derive(Module, Debug)]
pub struct ResnetLayer {
    pub conv: Conv2d,
    pub bn: Option<BatchNorm>,
    #[module(skip)]
    pub relu: bool,
    #[module(skip)]
    pub conv_first: bool,
    /// How the convolution runs ([`ConvRoute::Auto`]: by the input's device).
    #[module(skip)]
    pub route: ConvRoute,
}

/// Settings of one [`ResnetLayer`].
#[derive(Config, Debug)]
pub struct ResnetLayerConfig {
    pub channels_in: usize,
    pub filters: usize,
    #[config(default = 3)]
    pub kernel: usize,
    #[config(default = 1)]
    pub stride: usize,
    #[config(default = true)]
    pub relu: bool,
    #[config(default = true)]
    pub batch_norm: bool,
    #[config(default = true)]
    pub conv_first: bool,
}

impl ResnetLayerConfig {
    /// The layer with weights drawn from `rng`.
    pub fn init(&self, rng: &mut Xoshiro256PlusPlus, device: &Device) -> ResnetLayer {
        let mut conv = Conv2dConfig::new([self.channels_in, self.filters], [self.kernel, self.kernel])
            .with_stride([self.stride, self.stride])
            .with_padding(PaddingConfig2d::Same)
            .init(device);
        // burn's initialisers are replaced before first use (parameters are lazy): he-normal
        // kernel and zero bias, as Keras.
        let fan_in = self.channels_in * self.kernel * self.kernel;
        conv.weight = he_normal([self.filters, self.channels_in, self.kernel, self.kernel], fan_in, rng, device);
        conv.bias = Some(zeros(self.filters, device));
        // The BN sits after the conv (conv_first) or before it, on the conv's input.
        let bn_features = if self.conv_first { self.filters } else { self.channels_in };
        ResnetLayer {
            conv,
            bn: self.batch_norm.then(|| {
                BatchNormConfig::new(bn_features)
                    .with_momentum(BN_MOMENTUM)
                    .with_epsilon(BN_EPSILON)
                    .init(device)
            }),
            relu: self.relu,
            conv_first: self.conv_first,
            route: ConvRoute::Auto,
        }
    }
}

impl ResnetLayer {
    /// `[b, c_in, h, w]` → `[b, filters, ⌈h/stride⌉, ⌈w/stride⌉]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        if self.conv_first {
            let x = self.convolve(x); // [b, filters, h', w']
            self.norm_act(x) // [b, filters, h', w']
        } else {
            let x = self.norm_act(x); // [b, c_in, h, w]
            self.convolve(x) // [b, filters, h', w']
        }
    }

    /// `relu(shortcut + self.forward(x))`, the end of a v1 block: where the layer is conv → BN,
    /// with the sum and the ReLU in the batch norm's own operation (`batch_norm::forward_add_relu`).
    pub fn forward_add_relu(&self, x: Tensor<4>, shortcut: Tensor<4>) -> Tensor<4> {
        match &self.bn {
            Some(bn) if self.conv_first => {
                let x = self.convolve(x); // [b, filters, h', w']
                batch_norm::forward_add_relu(bn, x, shortcut) // [b, filters, h', w']
            }
            _ => residual::add_relu(shortcut, self.forward(x)), // [b, filters, h', w']
        }
    }

    /// The convolution alone, by [`route`](Self::route): the same function either way.
    fn convolve(&self, x: Tensor<4>) -> Tensor<4> {
        match self.route.resolve(&x.device()) {
            ConvRoute::Gemm => {
                let bias = self.conv.bias.as_ref().map(|b| b.val());
                conv2d_gemm(x, self.conv.weight.val(), bias, self.conv.stride[0]) // [b, filters, h', w']
            }
            route @ (ConvRoute::Cpu | ConvRoute::Wgsl) => {
                let ours = match &self.conv.bias {
                    Some(bias) => route.own_kernel(&x, &self.conv.weight.val(), &bias.val(), self.conv.stride[0]),
                    None => None,
                };
                ours.unwrap_or_else(|| self.conv.forward(x)) // [b, filters, h', w']
            }
            _ => self.conv.forward(x), // [b, filters, h', w']
        }
    }

    fn norm_act(&self, x: Tensor<4>) -> Tensor<4> {
        match &self.bn {
            Some(bn) => batch_norm::forward(bn, x, self.relu), // our kernels where they apply
            None if self.relu => relu(x),
            None => x,
        }
    }
}

/// A v1 basic block: conv-BN-ReLU, conv-BN, plus the shortcut (identity, or a 1×1 stride-2
/// projection at the first block of stages 2 and 3), then ReLU. In a plain network the same
/// block without the shortcut: conv-BN-ReLU, conv-BN, ReLU (no sum, no projection).
#[derive(Module, Debug)]
pub struct BasicBlock {
    pub first: ResnetLayer,
    pub second: ResnetLayer,
    pub projection: Option<ResnetLayer>,
    /// False in a plain network: no sum with the input.
    #[module(skip)]
    pub shortcut: bool,
}

impl BasicBlock {
    fn new(
        channels_in: usize,
        filters: usize,
        stride: usize,
        shortcut: bool,
        rng: &mut Xoshiro256PlusPlus,
        device: &Device,
    ) -> Self {
        let first = ResnetLayerConfig::new(channels_in, filters).with_stride(stride).init(rng, device);
        let second = ResnetLayerConfig::new(filters, filters).with_relu(false).init(rng, device);
        let projection = (shortcut && (stride != 1 || channels_in != filters)).then(|| {
            ResnetLayerConfig::new(channels_in, filters)
                .with_kernel(1)
                .with_stride(stride)
                .with_relu(false)
                .with_batch_norm(false)
                .init(rng, device)
        });
        Self { first, second, projection, shortcut }
    }

    /// `[b, c, h, w]` → `[b, filters, h/stride, w/stride]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        if !self.shortcut {
            let y = self.first.forward(x); // [b, filters, h/s, w/s]
            let y = self.second.forward(y); // [b, filters, h/s, w/s]
            return relu(y); // [b, filters, h/s, w/s]
        }
        let y = self.first.forward(x.clone()); // [b, filters, h/s, w/s]
        let shortcut = match &self.projection {
            Some(projection) => projection.forward(x), // [b, filters, h/s, w/s]
            None => x,                                 // [b, filters, h, w]
        };
        // conv-BN, + shortcut, ReLU: in training one operation of ours for the last three.
        self.second.forward_add_relu(y, shortcut) // [b, filters, h/s, w/s]
    }
}

/// A v2 bottleneck: BN-ReLU-conv1×1, BN-ReLU-conv3×3, BN-ReLU-conv1×1 (the very first unit of
/// the network skips its first BN-ReLU), plus the shortcut (a 1×1 projection at the first
/// block of every stage, identity after); no activation after the sum.
#[derive(Module, Debug)]
pub struct Bottleneck {
    pub reduce: ResnetLayer,
    pub spatial: ResnetLayer,
    pub expand: ResnetLayer,
    pub projection: Option<ResnetLayer>,
}

impl Bottleneck {
    fn new(
        channels_in: usize,
        filters_in: usize,
        filters_out: usize,
        stride: usize,
        very_first: bool,
        projection: bool,
        rng: &mut Xoshiro256PlusPlus,
        device: &Device,
    ) -> Self {
        let reduce = ResnetLayerConfig::new(channels_in, filters_in)
            .with_kernel(1)
            .with_stride(stride)
            .with_relu(!very_first)
            .with_batch_norm(!very_first)
            .with_conv_first(false)
            .init(rng, device);
        let spatial = ResnetLayerConfig::new(filters_in, filters_in)
            .with_conv_first(false)
            .init(rng, device);
        let expand = ResnetLayerConfig::new(filters_in, filters_out)
            .with_kernel(1)
            .with_conv_first(false)
            .init(rng, device);
        let projection = projection.then(|| {
            ResnetLayerConfig::new(channels_in, filters_out)
                .with_kernel(1)
                .with_stride(stride)
                .with_relu(false)
                .with_batch_norm(false)
                .init(rng, device)
        });
        Self { reduce, spatial, expand, projection }
    }

    /// `[b, c, h, w]` → `[b, filters_out, h/stride, w/stride]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let y = self.reduce.forward(x.clone()); // [b, filters_in, h/s, w/s]
        let y = self.spatial.forward(y); // [b, filters_in, h/s, w/s]
        let y = self.expand.forward(y); // [b, filters_out, h/s, w/s]
        let shortcut = match &self.projection {
            Some(projection) => projection.forward(x), // [b, filters_out, h/s, w/s]
            None => x,                                 // [b, filters_out, h, w]
        };
        shortcut + y // [b, filters_out, h/s, w/s]
    }
}

/// A block of either version (a plain network's blocks are [`BasicBlock`]s without shortcut).
#[derive(Module, Debug)]
pub enum Block {
    Basic(BasicBlock),
    Bottleneck(Bottleneck),
}

impl Block {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Block::Basic(block) => block.forward(x),
            Block::Bottleneck(block) => block.forward(x),
        }
    }
}

/// A ResNet (or a plain network) for 32×32 RGB images.
#[derive(Module, Debug)]
pub struct ResNet {
    /// conv-BN-ReLU on the input, 16 filters.
    pub stem: ResnetLayer,
    /// The blocks of the three stages, in order.
    pub blocks: Vec<Block>,
    /// v2 only: the final BN-ReLU before pooling.
    pub head_bn: Option<BatchNorm>,
    pub pool: AvgPool2d,
    pub fc: Linear,
    #[module(skip)]
    pub kind: ModelKind,
    /// Blocks per stage (`n`).
    #[module(skip)]
    pub blocks_per_stage: usize,
}

impl ResNetConfig {
    /// The model this config describes, or why it cannot be built.
    pub fn try_init(&self, device: &Device) -> Result<ResNet, ModelError> {
        let kind = ModelKind { version: self.version, depth: self.depth };
        let n = kind.blocks_per_stage()?;
        if self.num_classes < 2 {
            return Err(ModelError::BadClasses(self.num_classes));
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let rng = &mut rng;
        let stem = ResnetLayerConfig::new(3, 16).init(rng, device);
        let mut blocks = Vec::with_capacity(3 * n);
        let features = match self.version {
            Version::V1 | Version::Plain => {
                let shortcut = self.version.has_shortcuts();
                let mut filters = 16;
                let mut channels = 16;
                for stage in 0..3 {
                    for block in 0..n {
                        let stride = if stage > 0 && block == 0 { 2 } else { 1 };
                        let block = BasicBlock::new(channels, filters, stride, shortcut, rng, device);
                        blocks.push(Block::Basic(block));
                        channels = filters;
                    }
                    filters *= 2;
                }
                channels
            }
            Version::V2 => {
                let mut filters_in = 16;
                let mut channels = 16;
                for stage in 0..3 {
                    let filters_out = if stage == 0 { filters_in * 4 } else { filters_in * 2 };
                    for block in 0..n {
                        let stride = if stage > 0 && block == 0 { 2 } else { 1 };
                        let very_first = stage == 0 && block == 0;
                        blocks.push(Block::Bottleneck(Bottleneck::new(
                            channels,
                            filters_in,
                            filters_out,
                            stride,
                            very_first,
                            block == 0,
                            rng,
                            device,
                        )));
                        channels = filters_out;
                    }
                    filters_in = filters_out;
                }
                channels
            }
        };
        let head_bn = (self.version == Version::V2).then(|| {
            BatchNormConfig::new(features)
                .with_momentum(BN_MOMENTUM)
                .with_epsilon(BN_EPSILON)
                .init(device)
        });
        let mut fc = LinearConfig::new(features, self.num_classes).init(device);
        // burn stores a dense weight as [in, out].
        fc.weight = he_normal([features, self.num_classes], features, rng, device);
        fc.bias = Some(zeros(self.num_classes, device));
        Ok(ResNet {
            stem,
            blocks,
            head_bn,
            pool: AvgPool2dConfig::new([8, 8]).init(),
            fc,
            kind,
            blocks_per_stage: n,
        })
    }

    /// Like [`try_init`](Self::try_init), for a config known to be valid.
    ///
    /// # Panics
    /// When the depth is not of the version's form; use `try_init` for user input.
    pub fn init(&self, device: &Device) -> ResNet {
        match self.try_init(device) {
            Ok(model) => model,
            Err(error) => panic!("{error}"),
        }
    }
}

impl ResNet {
    /// Logits: `[b, 3, 32, 32]` → `[b, classes]`. The seed's softmax is folded into the loss.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = self.stem.forward(images); // [b, 16, 32, 32]
        for block in &self.blocks {
            x = block.forward(x); // [b, c, 32|16|8, 32|16|8]
        }
        if let Some(bn) = &self.head_bn {
            x = batch_norm::forward(bn, x, true); // [b, 256, 8, 8]
        }
        let x = self.pool.forward(x); // [b, c, 1, 1]
        let x = x.flatten::<2>(1, 3); // [b, c]
        self.fc.forward(x) // [b, classes]
    }

    /// The feature maps after the stem and after each of the three stages (a look inside):
    /// `[b, 16, 32, 32]`, then `[b, c, 32|16|8, 32|16|8]` per stage (v2: before the final
    /// BN-ReLU). [`forward`](Self::forward) is the last of them pooled and classified.
    pub fn stages(&self, images: Tensor<4>) -> [Tensor<4>; 4] {
        let stem = self.stem.forward(images); // [b, 16, 32, 32]
        let n = self.blocks_per_stage.max(1);
        let mut x = stem.clone();
        let mut outs = Vec::with_capacity(3);
        for stage in self.blocks.chunks(n) {
            for block in stage {
                x = block.forward(x); // [b, c, h, w]
            }
            outs.push(x.clone());
        }
        let [one, two, three] = <[Tensor<4>; 3]>::try_from(outs).unwrap_or_else(|outs: Vec<Tensor<4>>| {
            panic!("{} stages: a ResNet has three", outs.len())
        });
        [stem, one, two, three]
    }

    /// Class probabilities (the seed's final softmax): `[b, 3, 32, 32]` → `[b, classes]`.
    pub fn probabilities(&self, images: Tensor<4>) -> Tensor<2> {
        softmax(self.forward(images), 1)
    }

    /// The model with every convolution on `route` (`bench --conv`, the route tests).
    pub fn with_conv_route(mut self, route: ConvRoute) -> Self {
        self.stem.route = route;
        for block in &mut self.blocks {
            let layers: Vec<&mut ResnetLayer> = match block {
                Block::Basic(b) => [&mut b.first, &mut b.second].into_iter().chain(b.projection.as_mut()).collect(),
                Block::Bottleneck(b) => [&mut b.reduce, &mut b.spatial, &mut b.expand]
                    .into_iter()
                    .chain(b.projection.as_mut())
                    .collect(),
            };
            layers.into_iter().for_each(|layer| layer.route = route);
        }
        self
    }

    /// Every convolution kernel (the tensors the seed's `l2(1e-4)` regularises).
    pub fn conv_kernels(&self) -> Vec<Tensor<4>> {
        self.conv_kernel_params().into_iter().map(|p| p.val()).collect()
    }

    /// Every convolution kernel by depth: the stem's, then each block's in order, a projection
    /// where it sits.
    pub fn conv_kernel_params(&self) -> Vec<&Param<Tensor<4>>> {
        self.conv_layers().into_iter().map(|(_, _, layer)| &layer.conv.weight).collect()
    }

    /// The names in checkpoints of [`conv_kernel_params`](Self::conv_kernel_params), in its
    /// order (`stem.conv.weight`, `blocks.3.projection.conv.weight`, …).
    pub fn conv_kernel_names(&self) -> Vec<String> {
        self.conv_layers()
            .into_iter()
            .map(|(block, role, _)| match block {
                None => format!("{role}.conv.weight"),
                Some(i) => format!("blocks.{i}.{role}.conv.weight"),
            })
            .collect()
    }

    /// Every [`ResnetLayer`] by depth with its place: its block (`None`: the stem) and its field.
    fn conv_layers(&self) -> Vec<(Option<usize>, &'static str, &ResnetLayer)> {
        let mut layers = vec![(None, "stem", &self.stem)];
        for (i, block) in self.blocks.iter().enumerate() {
            let own: Vec<(&'static str, &ResnetLayer)> = match block {
                Block::Basic(b) => [("first", &b.first), ("second", &b.second)]
                    .into_iter()
                    .chain(b.projection.as_ref().map(|p| ("projection", p)))
                    .collect(),
                Block::Bottleneck(b) => [("reduce", &b.reduce), ("spatial", &b.spatial), ("expand", &b.expand)]
                    .into_iter()
                    .chain(b.projection.as_ref().map(|p| ("projection", p)))
                    .collect(),
            };
            layers.extend(own.into_iter().map(|(role, layer)| (Some(i), role, layer)));
        }
        layers
    }
}
