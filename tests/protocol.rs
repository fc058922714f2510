//! The page ⇄ worker messages: one typed enum per direction, bytes inside them.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

use resnet_webgpu::protocol::{Bytes, Canvas, FromWorker, Image, ToWorker};

#[test]
fn messages_with_bytes_round_trip_and_name_their_bytes() {
    let message = ToWorker::LoadRun { name: "estado.safetensors".into(), bytes: Bytes::Heap(vec![1, 2, 255]) };
    let json = serde_json::to_value(&message).unwrap();
    assert_eq!(json["type"], "load_run");
    let back: ToWorker = serde_json::from_value(json).unwrap();
    match back {
        ToWorker::LoadRun { name, bytes } => {
            assert_eq!(name, "estado.safetensors");
            assert_eq!(bytes.into_vec(), vec![1, 2, 255]);
        }
        other => panic!("{other:?}"),
    }
    assert!(ToWorker::Pause.bytes().is_none());
    let pixels = FromWorker::Pixels { canvas: Canvas::TestStrip, image: Image { width: 1, height: 1, rgba: Bytes::Heap(vec![9; 4]) } };
    assert_eq!(pixels.bytes().map(|b| b.clone().into_vec()), Some(vec![9; 4]));
    assert_eq!(Canvas::ClassifyPreview.id(), "classify-preview");
}

/// `worker.js` posts this object itself when the WebGPU device is lost.
#[test]
fn the_device_lost_message_of_worker_js_parses() {
    let json = serde_json::json!({ "type": "device_lost", "reason": "destroyed", "message": "Device was destroyed." });
    match serde_json::from_value::<FromWorker>(json).unwrap() {
        FromWorker::DeviceLost { reason, message } => assert_eq!((reason.as_str(), message.as_str()), ("destroyed", "Device was destroyed.")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_message_is_refused() {
    assert!(serde_json::from_value::<ToWorker>(serde_json::json!({ "type": "test_destroy_device" })).is_err());
}

/// Which module a worker starts with and when the page replaces it (`www/worker.js`'s
/// `?module=`): the threaded CPU module only where the page is cross-origin isolated.
#[test]
fn the_worker_module_follows_the_device_and_the_isolation() {
    use resnet_webgpu::protocol::{BackendChoice as B, WorkerModule as M};
    assert_eq!(M::wanted(B::Cpu, true), "threads");
    assert_eq!(M::wanted(B::Cpu, false), "webgpu");
    assert_eq!(M::wanted(B::WebGpu, true), "webgpu");
    assert_eq!(M::wanted(B::Auto, true), "auto");
    assert_eq!(M::wanted(B::Auto, false), "webgpu");
    // WebGPU needs the WebGPU module wherever the worker runs the threaded one.
    assert_eq!(M::Threads.switch_for(B::WebGpu, true), Some(M::WebGpu));
    assert_eq!(M::Threads.switch_for(B::Cpu, true), None);
    assert_eq!(M::Threads.switch_for(B::Auto, true), None);
    // The CPU moves to the threads only where they can run.
    assert_eq!(M::WebGpu.switch_for(B::Cpu, true), Some(M::Threads));
    assert_eq!(M::WebGpu.switch_for(B::Cpu, false), None);
    assert_eq!(M::WebGpu.switch_for(B::Auto, true), None);
    assert_eq!(M::WebGpu.switch_for(B::WebGpu, true), None);
    for module in [M::WebGpu, M::Threads] {
        assert_eq!(M::wanted(if module == M::Threads { B::Cpu } else { B::WebGpu }, true), module.query());
    }
    // worker.rs's `Ready`, as the page reads it.
    let ready: FromWorker = serde_json::from_value(serde_json::json!({ "type": "ready", "module": "threads", "threads": 2 })).unwrap();
    assert!(matches!(ready, FromWorker::Ready { module: M::Threads, threads: 2 }));
}

/// The charts kept beside a checkpoint: a long run's batch points are thinned to a bound, the
/// gradient windows are the latest few, and the whole crosses the page ⇄ worker channel.
#[test]
fn kept_charts_stay_bounded_and_cross_the_channel() {
    use resnet_webgpu::html::Finished;
    use resnet_webgpu::protocol::{Charted, GradientWindow};
    let mut charted = Charted::default();
    assert!(charted.is_empty());
    for i in 0..=Charted::MAX_BATCH_POINTS {
        charted.push_batch(Charted::batch_x(i / 100, i % 100, 100), 2.0);
    }
    assert_eq!(charted.batch.len(), Charted::MAX_BATCH_POINTS / 2 + 1);
    assert!(charted.batch.windows(2).all(|w| w[0].0 < w[1].0), "still in order");
    assert_eq!(charted.batch[1].0, 0.02);
    for step in 0..7 {
        charted.push_gradients(GradientWindow { epoch: 0, step, layers: vec!["conv2d".into()], norms: vec![0.5] });
    }
    assert_eq!(charted.gradients.iter().map(|w| w.step).collect::<Vec<_>>(), [2, 3, 4, 5, 6]);
    charted.finished = Some(Finished { test_loss: 1.5, test_accuracy: 0.25, stopped: true, epochs_done: 3 });
    let message = FromWorker::Charts { charted: charted.clone() };
    match serde_json::from_str(&serde_json::to_string(&message).unwrap()).unwrap() {
        FromWorker::Charts { charted: back } => assert_eq!(back, charted),
        other => panic!("{other:?}"),
    }
}
