//! The seed's architectures and the plain networks: parameter counts against Keras, output
//! shapes, invalid depths.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::relu;
use resnet_webgpu::checkpoint::to_safetensors;
use resnet_webgpu::model::{BasicBlock, Block, ModelError, ModelKind, ResNet, ResNetConfig, Version};
use resnet_webgpu::summary::Summary;

fn counts(version: Version, depth: usize) -> (usize, usize) {
    let model = ResNetConfig::new(version, depth).init(&Device::flex());
    let summary = Summary::of(&model);
    // burn's own count visits every float tensor, running statistics included.
    assert_eq!(model.num_params(), summary.total(), "summary disagrees with burn for depth {depth}");
    (summary.trainable(), summary.total())
}

#[test]
fn parameter_counts_match_keras() {
    // Keras `model.summary()` of the seed's `resnet_v1` / `resnet_v2`.
    assert_eq!(counts(Version::V1, 20), (273_066, 274_442));
    assert_eq!(counts(Version::V2, 29), (843_786, 849_002));
    // Further depths, from the layer arithmetic of the same builders (checked against the two
    // Keras figures above).
    assert_eq!(counts(Version::V1, 32), (467_946, 470_218));
    assert_eq!(counts(Version::V1, 56), (857_706, 861_770));
    assert_eq!(counts(Version::V1, 110), (1_734_666, 1_742_762));
    assert_eq!(counts(Version::V2, 56), (1_663_338, 1_673_738));
}

#[test]
fn plain_parameter_counts_match_keras() {
    // `scripts/keras_plain.py` (Keras 3.15.1, TensorFlow 2.21 on the CPU): the seed's `resnet_v1`
    // built without its shortcuts; `count_params()` and the sums of `trainable_weights` and
    // `non_trainable_weights`. The same script with the shortcuts put back prints the v1 counts
    // above. (trainable, total):
    assert_eq!(counts(Version::Plain, 20), (270_410, 271_786));
    assert_eq!(counts(Version::Plain, 32), (465_290, 467_562));
    assert_eq!(counts(Version::Plain, 44), (660_170, 663_338));
    assert_eq!(counts(Version::Plain, 56), (855_050, 859_114));
    assert_eq!(counts(Version::Plain, 110), (1_732_010, 1_740_106));
    // v1 less its two projections (16→32 and 32→64, 1×1 with bias): 544 + 2,112.
    assert_eq!(counts(Version::V1, 44).0 - counts(Version::Plain, 44).0, 2_656);
}

#[test]
fn output_shapes() {
    let device = Device::flex();
    for kind in [ModelKind::RESNET20_V1, ModelKind::RESNET29_V2, ModelKind::PLAIN20, ModelKind::PLAIN56] {
        let model = ResNetConfig::from(kind).init(&device);
        let images = Tensor::<4>::zeros([2, 3, 32, 32], &device);
        let logits = model.forward(images.clone());
        assert_eq!(logits.dims(), [2, 10], "{kind}");
        let probabilities: Vec<f32> = model.probabilities(images).into_data().iter::<f32>().collect();
        for row in probabilities.chunks(10) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }
    let model = ResNetConfig::new(Version::V1, 20).with_num_classes(7).init(&device);
    assert_eq!(model.forward(Tensor::zeros([1, 3, 32, 32], &device)).dims(), [1, 7]);
    let model = ResNetConfig::new(Version::Plain, 110).init(&device);
    assert_eq!(model.forward(Tensor::zeros([3, 3, 32, 32], &device)).dims(), [3, 10]);
}

fn basic(model: &ResNet, i: usize) -> &BasicBlock {
    match &model.blocks[i] {
        Block::Basic(block) => block,
        Block::Bottleneck(_) => panic!("block {i} of {} is a bottleneck", model.kind),
    }
}

#[test]
fn a_plain_network_is_v1_without_the_shortcuts() {
    let device = Device::flex();
    let plain = ResNetConfig::new(Version::Plain, 20).with_seed(3).init(&device);
    let v1 = ResNetConfig::new(Version::V1, 20).with_seed(3).init(&device);
    assert_eq!(plain.blocks.len(), v1.blocks.len());
    assert_eq!((plain.kind, plain.blocks_per_stage), (ModelKind::PLAIN20, 3));
    for i in 0..plain.blocks.len() {
        let block = basic(&plain, i);
        assert!(!block.shortcut && block.projection.is_none(), "block {i}");
        assert!(basic(&v1, i).shortcut);
    }

    // The block: conv-BN-ReLU, conv-BN, ReLU, nothing added. Block 3 halves the map by its
    // first convolution's stride alone.
    let block = basic(&plain, 3);
    let x = Tensor::<4>::random([2, 16, 32, 32], Distribution::Normal(0.0, 1.0), &device);
    let expected = relu(block.second.forward(block.first.forward(x.clone())));
    let got = block.forward(x);
    assert_eq!(got.dims(), [2, 32, 16, 16]);
    got.into_data().assert_eq(&expected.into_data(), true);

    // The same he-normal draws from the same generator in the same order: identical to v1's up
    // to v1's first projection (drawn after blocks.3.second), shifted after it.
    let weights = |model: &ResNet, i: usize, second: bool| -> Vec<f32> {
        let block = basic(model, i);
        let layer = if second { &block.second } else { &block.first };
        layer.conv.weight.val().into_data().iter::<f32>().collect()
    };
    let stem = |model: &ResNet| -> Vec<f32> { model.stem.conv.weight.val().into_data().iter::<f32>().collect() };
    assert_eq!(stem(&plain), stem(&v1));
    for i in 0..=3 {
        assert_eq!(weights(&plain, i, false), weights(&v1, i, false), "blocks.{i}.first");
        assert_eq!(weights(&plain, i, true), weights(&v1, i, true), "blocks.{i}.second");
    }
    assert_ne!(weights(&plain, 4, false), weights(&v1, 4, false));

    // The summary: no sums, no projections, one ReLU closing each block.
    let summary = Summary::of(&plain);
    assert_eq!(summary.model, "plain20");
    assert!(summary.rows.iter().all(|r| r.kind != "Add" && !r.name.contains("projection")));
    assert_eq!(summary.rows.iter().filter(|r| r.name.starts_with("blocks.") && r.name.ends_with(".relu")).count(), 9 * 2);
    let shape = |name: &str| summary.rows.iter().find(|r| r.name == name).map(|r| r.output.clone());
    assert_eq!(shape("blocks.3.first.conv"), Some(vec![32, 16, 16]));
    assert_eq!(shape("blocks.6.first.conv"), Some(vec![64, 8, 8]));
    assert_eq!(shape("pool"), Some(vec![64, 1, 1]));
    let text = summary.to_string();
    assert!(text.lines().any(|l| l == "trainable parameters: 270410"), "{text}");
    assert!(text.lines().any(|l| l == "total parameters: 271786"), "{text}");
    // Forward FLOPs: v1's less the two projections' multiply-adds (16·32·16² and 32·64·8²).
    assert_eq!(Summary::of(&v1).forward_flops() - summary.forward_flops(), 2 * (131_072 + 131_072));
}

#[test]
fn plain_checkpoints_use_v1_names_less_the_projections() {
    let device = Device::flex();
    let names = |version: Version| -> Vec<String> {
        let model = ResNetConfig::new(version, 20).init(&device).valid();
        let bytes = to_safetensors(&model).expect("saves");
        let file = safetensors::SafeTensors::deserialize(&bytes).expect("a safetensors file");
        let mut names: Vec<String> = file.names().into_iter().map(String::from).collect();
        names.sort();
        names
    };
    let plain = names(Version::Plain);
    let v1: Vec<String> = names(Version::V1).into_iter().filter(|n| !n.contains(".projection.")).collect();
    assert_eq!(plain, v1);
    assert!(plain.contains(&"blocks.3.first.conv.weight".to_string()));
}

#[test]
fn summary_shapes_follow_the_stages() {
    let model = ResNetConfig::new(Version::V2, 29).init(&Device::flex());
    let summary = Summary::of(&model);
    let shape = |name: &str| summary.rows.iter().find(|r| r.name == name).map(|r| r.output.clone());
    assert_eq!(shape("stem.conv"), Some(vec![16, 32, 32]));
    assert_eq!(shape("blocks.0.expand.conv"), Some(vec![64, 32, 32]));
    assert_eq!(shape("blocks.3.spatial.conv"), Some(vec![64, 16, 16]));
    assert_eq!(shape("blocks.6.projection.conv"), Some(vec![256, 8, 8]));
    assert_eq!(shape("pool"), Some(vec![256, 1, 1]));
    assert_eq!(shape("fc"), Some(vec![10]));
    let text = summary.to_string();
    assert!(text.lines().any(|l| l == "trainable parameters: 843786"), "{text}");
    assert!(text.lines().any(|l| l == "total parameters: 849002"), "{text}");
}

#[test]
fn invalid_depths_are_errors_naming_the_valid_ones() {
    let device = Device::flex();
    for depth in [0, 2, 19, 21, 29] {
        let error = ResNetConfig::new(Version::V1, depth).try_init(&device).unwrap_err();
        assert_eq!(error, ModelError::BadV1Depth { depth });
        assert!(error.to_string().contains("6n + 2") && error.to_string().contains("20, 32"));
    }
    for depth in [0, 2, 21, 30] {
        let error = ResNetConfig::new(Version::V2, depth).try_init(&device).unwrap_err();
        assert_eq!(error, ModelError::BadV2Depth { depth });
        assert!(error.to_string().contains("9n + 2") && error.to_string().contains("29, 56"));
    }
    for depth in [0, 2, 19, 21, 29] {
        let error = ResNetConfig::new(Version::Plain, depth).try_init(&device).unwrap_err();
        assert_eq!(error, ModelError::BadPlainDepth { depth });
        let message = error.to_string();
        assert!(message.contains("plain") && message.contains("6n + 2") && message.contains("20, 32, 44, 56, 110"), "{message}");
    }
    assert!("resnet21v1".parse::<ModelKind>().is_err());
    assert!("resnet20v3".parse::<ModelKind>().is_err());
    assert!("vgg19".parse::<ModelKind>().is_err());
    assert_eq!("plain21".parse::<ModelKind>(), Err(ModelError::BadPlainDepth { depth: 21 }));
    for bad in ["plain", "plainv1", "plain20v1", "plain+20", "resnet+20v1", "plain 20"] {
        let error = bad.parse::<ModelKind>().unwrap_err();
        assert_eq!(error, ModelError::BadName(bad.to_string()));
        assert!(error.to_string().contains("plain<depth>") && error.to_string().contains("resnet<depth>v<version>"));
    }
    assert_eq!("ResNet29v2".parse::<ModelKind>(), Ok(ModelKind::RESNET29_V2));
    assert_eq!("plain20".parse::<ModelKind>(), Ok(ModelKind::PLAIN20));
    assert_eq!("Plain56".parse::<ModelKind>(), Ok(ModelKind::PLAIN56));
    assert_eq!("Plain-56".parse::<ModelKind>(), Ok(ModelKind::PLAIN56));
    assert_eq!(ModelKind::RESNET20_V1.to_string(), "resnet20v1");
    assert_eq!(ModelKind::PLAIN56.to_string(), "plain56");
    assert_eq!(ModelKind::catalogue().len(), 14);
}

#[test]
fn weights_are_keras_he_normal_and_fixed_by_the_seed() {
    let device = Device::flex();
    let weights = |seed: u64| -> Vec<f32> {
        let model = ResNetConfig::new(Version::V1, 20).with_seed(seed).init(&device);
        match &model.blocks[4] {
            Block::Basic(block) => block.first.conv.weight.val().into_data().iter::<f32>().collect(),
            Block::Bottleneck(_) => unreachable!("v1 blocks are basic"),
        }
    };
    let a = weights(1);
    assert_eq!(a, weights(1));
    assert_ne!(a, weights(2));
    // blocks[4] is a 32-filter 3×3 conv over 32 channels: fan_in 288, σ = √(2/288).
    let sigma = (2.0f64 / 288.0).sqrt();
    let n = a.len() as f64;
    let mean = a.iter().map(|&w| w as f64).sum::<f64>() / n;
    let std = (a.iter().map(|&w| (w as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
    assert!(mean.abs() < 0.1 * sigma, "mean {mean}");
    assert!((std / sigma - 1.0).abs() < 0.05, "std {std} vs {sigma}");
    // Truncated at two of Keras' (rescaled) deviations.
    let bound = 2.0 * sigma / 0.879_625_661_034_239_8;
    assert!(a.iter().all(|&w| (w as f64).abs() <= bound + 1e-6));
}

#[test]
fn training_flops_are_counted_from_the_layers() {
    let model = ResNetConfig::new(Version::V1, 20).init(&Device::flex());
    let summary = Summary::of(&model);
    // Multiply-adds by hand: stem 442,368; stage 1 six 16→16 convs at 32×32; stage 2 one 16→32
    // and five 32→32 at 16×16 plus the 1×1 projection; stage 3 likewise at 8×8; dense 640.
    let macs: u64 = 442_368 + 6 * 2_359_296 + (1_179_648 + 5 * 2_359_296 + 131_072) * 2 + 640;
    assert_eq!(summary.forward_flops(), 2 * macs);
    assert_eq!(summary.training_flops_per_image(), 244_879_104);
}

#[test]
fn the_catalogue_is_the_pages_list_and_every_entry_builds() {
    let catalogue = ModelKind::catalogue();
    let names: Vec<String> = catalogue.iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        [
            "resnet20v1", "resnet29v2", "resnet32v1", "resnet44v1", "resnet56v1", "resnet110v1", "resnet56v2",
            "resnet110v2", "resnet164v2", "plain20", "plain32", "plain44", "plain56", "plain110"
        ]
    );
    assert_eq!(catalogue[0], ModelKind::default(), "the first entry is the default");
    assert_eq!(ModelKind::RESNET20_V1.label(), "ResNet20 v1");
    assert_eq!(ModelKind::RESNET29_V2.label(), "ResNet29 v2");
    assert_eq!(ModelKind::PLAIN20.label(), "Plain-20");
    let device = Device::flex();
    for &kind in catalogue {
        assert_eq!(kind.to_string().parse::<ModelKind>(), Ok(kind));
        assert_eq!(kind.label().replace(' ', "").parse::<ModelKind>(), Ok(kind), "{}", kind.label());
        let model = ResNetConfig::from(kind).try_init(&device).unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert!(Summary::of(&model).trainable() > 0, "{kind}");
        assert_eq!(model.kind, kind);
    }
}

#[test]
fn stages_are_the_forward_passes_feature_maps() {
    let device = Device::flex();
    for (kind, channels) in [(ModelKind::RESNET20_V1, [16, 16, 32, 64]), (ModelKind::RESNET29_V2, [16, 64, 128, 256])] {
        let model = ResNetConfig::from(kind).init(&device).valid();
        let images = Tensor::<4>::random([2, 3, 32, 32], Distribution::Normal(0.0, 1.0), &device);
        let stages = model.stages(images.clone());
        let sides = [32, 32, 16, 8];
        for (i, stage) in stages.iter().enumerate() {
            assert_eq!(stage.dims(), [2, channels[i], sides[i], sides[i]], "{kind} stage {i}");
        }
        if kind.version == Version::V1 {
            // v1: the logits are the last stage pooled and classified.
            let [_, _, _, last] = stages;
            let logits = model.fc.forward(model.pool.forward(last).flatten::<2>(1, 3));
            let expected: Vec<f32> = model.forward(images).into_data().iter::<f32>().collect();
            let got: Vec<f32> = logits.into_data().iter::<f32>().collect();
            for (a, b) in expected.iter().zip(&got) {
                assert!((a - b).abs() <= 1e-5 * (1.0 + a.abs()), "{a} vs {b}");
            }
        }
    }
}
