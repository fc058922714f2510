//! The interface in English.

#![allow(unused_imports)]
use crate::checkpoint::{CheckpointError, RunCheckpointError};
use crate::classify::{ImageInputError, MAX_SIDE};
use crate::data::{DataError, FOLDER, MAX_BATCH_BYTES, TEST_FILE};
use super::{ModelSource, SummaryTexts, Texts};

pub static EN: Texts = Texts {
    chrome: &[
        ("controls.train-images", "Training images"),
        ("controls.test-images", "Test images"),
        ("presets.quick", "Quick run (~5 min)"),
        ("presets.paper", "The full recipe (200 epochs)"),
        ("experiments.title", "Experiments"),
        ("experiments.intro", "Each button trains several networks one after another, with the same seed, the same data and the same number of epochs, sized from the speed measured on this device so that it all fits the time you chose; at the end, their error curves overlaid."),
        ("experiments.budget", "Time for the experiment"),
        ("budget.5", "5 minutes"),
        ("budget.10", "10 minutes"),
        ("budget.20", "20 minutes"),
        ("budget.40", "40 minutes"),
        ("budget.60", "1 hour"),
        ("experiments.degradation", "Degradation"),
        ("experiments.augmentation", "Augmentation on/off"),
        ("experiments.versions", "v1 versus v2"),
        ("plan.start", "Start the experiment"),
        ("plan.cancel", "Cancel"),
        ("experiment.continue", "Continue the experiment"),
        ("experiment.discard", "Abandon it"),
        ("compare.title", "Compare runs"),
        ("compare.csv", "Overlaid curves (CSV)"),
        ("compare.json", "Overlaid curves (JSON)"),
        ("compare.svg", "Overlaid curves (SVG)"),
        ("header.title", "Residual networks"),
        ("header.lead", "Read how a ResNet works while a real ResNet learns CIFAR-10 in your browser, on your graphics card when there is one."),
        ("lang.label", "Language"),
        ("data.title", "Data"),
        ("data.preparing", "Preparing…"),
        ("data.pick", "If you have the file cifar-10-binary.tar.gz, choose it or drop it here:"),
        ("data.drop", "Drop the file here"),
        ("controls.title", "Training"),
        ("controls.model", "Model"),
        ("controls.device", "Device"),
        ("controls.auto", "Automatic (the fastest)"),
        ("controls.gpu", "GPU (WebGPU)"),
        ("controls.cpu", "CPU (WebAssembly)"),
        ("controls.batch", "Batch size"),
        ("controls.epochs", "Epochs"),
        ("controls.lr", "Learning rate"),
        ("controls.augment", "Data augmentation"),
        ("controls.start", "Train"),
        ("controls.pause", "Pause"),
        ("controls.stop", "Stop"),
        ("controls.loading", "Loading…"),
        ("metrics.title", "Live"),
        ("metrics.loss", "Loss (batch)"),
        ("metrics.acc", "Accuracy (batch)"),
        ("metrics.lr", "Learning rate"),
        ("metrics.speed", "Speed"),
        ("metrics.progress", "Progress"),
        ("metrics.eta", "Time left"),
        ("metrics.val", "Validation"),
        ("metrics.best", "Best accuracy"),
        ("metrics.device", "Device"),
        ("metrics.memory", "Memory"),
        ("strip.title", "Predictions on test images"),
        ("filters.title", "The first layer's 16 filters"),
        ("filters.note", "Each filter looks at a 3×3 patch of red, green and blue pixels; here, enlarged, with its weights taken from black (the smallest) to full colour (the largest)."),
        ("features.title", "Feature maps"),
        ("features.note", "What the network sees in a test image: each row is the output of the stem and of stages 1, 2 and 3 (8 channels each, 32×32, 32×32, 16×16 and 8×8 pixels), each channel taken from black (its minimum) to white (its maximum). Click a strip image to see its own."),
        ("gradients.title", "Gradient flow, layer by layer"),
        ("gradients.note", "Each weight layer's gradient norm, from the input (left) to the output, taken from the training step itself whenever the metrics are read; darker lines are more recent."),
        ("classify.title", "Try the network on your own image"),
        ("classify.intro", "Choose, drop or paste a photo (PNG, JPEG or WebP), or draw something. The network sees a 32×32-pixel version, normalised as in training."),
        ("classify.file", "Image"),
        ("classify.drop", "Drop an image here, or paste one with Ctrl+V"),
        ("classify.draw", "Or draw:"),
        ("classify.color", "Colour"),
        ("classify.sketch", "Classify the drawing"),
        ("classify.clear", "Clear"),
        ("classify.sees", "What the network sees"),
        ("classify.weights", "Weights (.safetensors) for the model chosen above"),
        ("classify.status", "Train for at least one epoch (or pause training) or load weights to classify."),
        ("explore.title", "Explore the test data"),
        ("explore.order", "Show"),
        ("explore.wrong", "the most confident mistakes"),
        ("explore.right", "the most confident hits"),
        ("explore.uncertain", "the doubts (least confident)"),
        ("explore.truth", "True class"),
        ("explore.predicted", "Predicted class"),
        ("explore.status", "Appears when the first epoch ends. Click a cell of the confusion matrix to filter."),
        ("exports.title", "Take it with you"),
        ("exports.csv", "Metrics (CSV)"),
        ("exports.json", "Metrics (JSON)"),
        ("exports.png", "Charts (PNG)"),
        ("exports.svg", "Charts (SVG)"),
        ("exports.share", "Link with these settings"),
        ("saved.continue", "Continue"),
        ("saved.discard", "Discard"),
        ("checkpoints.title", "Checkpoints"),
        ("checkpoints.intro", "At the end of every epoch this browser keeps the last state and the best one (by validation accuracy); a reload loses at most the epoch in progress."),
        ("checkpoints.best", "Weights of the best (.safetensors)"),
        ("checkpoints.last", "Weights of the last (.safetensors)"),
        ("checkpoints.state", "Whole state, to continue elsewhere"),
        ("checkpoints.upload", "Continue a saved state:"),
    ],
    labels: &[
        ("lab", "Training lab"),
        ("share-url", "Link with these settings"),
        ("sketch", "Drawing canvas"),
        ("filters", "The first layer's 3×3 filters, enlarged"),
        ("feature-maps", "Feature maps of a test image"),
        ("classify-preview", "The 32×32-pixel image the network sees"),
        ("compare-chart", "Chart of the compared runs"),
        ("batch-chart", "Chart of each batch's loss"),
        ("loss-chart", "Chart of the loss per epoch"),
        ("acc-chart", "Chart of the accuracy per epoch"),
        ("grad-chart", "Chart of each layer's gradient norm"),
        ("test-strip", "Ten test images: click one, or use the arrow keys, to see its feature maps"),
    ],
    classes: ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    title: "Residual networks: train a ResNet in your browser",
    ready_to_train: "Ready to train: choose the model and press “Train”.",
    bad_model: |e| format!("Model: {e}"),
    bad_batch: "Batch size: enter an integer between 2 and 512.",
    bad_epochs: "Epochs: enter an integer between 1 and 1000.",
    bad_lr: "Learning rate: enter a number between 0 and 1, e.g. 0.001.",
    bad_train_images: "Training images: enter an integer of 2 or more, or leave it empty to use them all.",
    bad_test_images: "Test images: enter an integer of 1 or more, or leave it empty to use them all.",
    training_started: |model, params, images| {
        format!("Training {model} ({params} trainable parameters) on {images} images.")
    },
    epoch_step: |epoch, step, steps| format!("epoch {epoch} · step {step} of {steps}"),
    lr_reduced: |lr| format!("The validation loss does not improve: the learning rate drops to {lr:.2e}."),
    best: |pct, epoch| format!("{pct:.2} % (epoch {epoch})"),
    finished_html: |loss, accuracy, stopped, epochs| {
        let epochs = if epochs == 1 { "1 epoch".to_string() } else { format!("{epochs} epochs") };
        let how = if stopped {
            format!("Training stopped with {epochs} complete: this evaluation uses the weights at the moment it stopped.")
        } else {
            format!("Training complete: {epochs}.")
        };
        format!(
            "<h3>Evaluation on the test data</h3><p>Test loss: <b>{loss:.4}</b><br>\
             Test accuracy: <b>{:.2} %</b></p><p>{how}</p>",
            accuracy * 100.0
        )
    },
    val_metrics: |loss, pct| format!("loss {loss:.4} · accuracy {pct:.2} %"),
    confusion_caption: "Confusion matrix (rows: true class; columns: predicted)",
    confusion_hint: "Click a cell to see those images in the explorer.",
    per_class_caption: "Accuracy per class",
    truth: "true",
    predicted: "predicted",
    after_epoch: |epoch| format!("after epoch {epoch}"),
    states: [
        "Ready.",
        "Training…",
        "Paused. Press “Resume” to go on.",
        "Stopping after the current step…",
        "Training finished.",
    ],
    stopped_state: "Training stopped.",
    pause: "Pause",
    pausing: "Pausing… (as soon as the current step or evaluation ends)",
    starting: "Starting…",
    resume: "Resume",
    software_adapter: " (software adapter: the GPU is emulated on the CPU and will be slow)",
    auto_chose_cpu: |name| {
        let name = if name.is_empty() { String::new() } else { format!(" ({name})") };
        format!(
            " — chosen automatically: this browser's WebGPU adapter{name} is a software one (it emulates \
             the GPU on the CPU) and here the CPU trains several times faster. You can choose WebGPU above."
        )
    },
    kernels_compiling: |model, batch| format!(" · compiling the GPU kernels for {model}, batch {batch}…"),
    kernels_ready: |model, batch, seconds| format!(" · kernels of {model}, batch {batch}, compiled in {seconds:.1} s"),
    no_webgpu_html: |reason| {
        format!(
            "<div class=\"warning\"><p><b>No WebGPU available.</b> {reason}</p><p>To train on your \
             graphics card use Chrome or Edge 113 or later (on Linux, enable \
             <code>chrome://flags/#enable-unsafe-webgpu</code>), Safari 26 or Firefox 141 or later. \
             Meanwhile the network trains on the CPU, more slowly. The lesson reads the same.</p></div>"
        )
    },
    no_navigator_gpu: "This browser does not offer WebGPU (navigator.gpu does not exist).",
    no_adapter: |e| format!("WebGPU could not give us an adapter: {e}"),
    webgpu_pick_failed: |why| format!("WebGPU cannot train here, so the CPU stays. {why}"),
    cpu_threads: |n| match n {
        1 => "CPU (WebAssembly, 1 thread)".into(),
        n => format!("CPU (WebAssembly, {n} threads)"),
    },
    threads_no_webgpu: "This worker module trains on the CPU with several threads and has no WebGPU; reload the page.",
    no_timestamp_query: "This browser's WebGPU adapter does not offer GPU timestamps (“timestamp-query”), without which burn cannot use it here.",
    webgpu_adapter: "WebGPU adapter",
    downloading: "Downloading CIFAR-10",
    from_cache: "Reading from the cache",
    progress_of: |loaded, total, pct| format!("{loaded:.1} of {total:.1} MB ({pct:.0} %)"),
    megabytes: |mb| format!("{mb:.1} MB"),
    data_ready: |train, test| format!("CIFAR-10 ready: {train} training images and {test} test images."),
    worker_failed: |m| format!("The training worker failed: {m}"),
    reading_file: |name| format!("Reading {name}…"),
    cannot_read_file: |e| format!("Could not read the file: {e}"),
    summary_html: |s| {
        format!(
            "<p><b>{}</b>: {} trainable parameters, {} in total ({} not trainable: the moving means and \
             variances of batch normalisation).</p><details><summary>See the {} layers</summary>\
             <table><thead><tr><th>Layer</th><th>Type</th><th>Output</th><th>Parameters</th></tr></thead>\
             <tbody>{}</tbody></table></details><p>A training step costs about {:.0} million \
             floating-point operations per image (three times the forward pass).</p>",
            s.model, s.trainable, s.total, s.non_trainable, s.layers, s.rows_html, s.mflops
        )
    },
    nothing_to_export: "No epoch has ended yet: there are no metrics or charts to export.",
    no_chart_images: "The charts could not be drawn here (Chart.js did not load), so there are no images to save; the SVG export draws them without it.",
    share_ready: "Copy the link: it opens the page with these settings.",
    bad_link: |m| format!("The link carries invalid settings, which stay at their defaults: {m}"),
    no_data: "Training needs the data: choose the CIFAR-10 file under “Data”.",
    unknown_model: "Model: pick one from the list (in a link, e.g. resnet20v1, resnet29v2 or plain20).",
    bad_augment: "Augmentation: in a link, 1 or 0.",
    internal_error: |m| format!("Internal error: {m}"),
    chart_titles: ["Loss per epoch", "Accuracy per epoch", "Loss per batch"],
    series_train: "training",
    series_val: "validation",
    series_batch: "batch loss",
    axis_loss: "loss",
    axis_accuracy: "accuracy (%)",
    axis_epoch: "epoch",
    axis_layer: "layer (input to output)",
    axis_grad_norm: "norm (log scale)",
    grad_window: |epoch, step| format!("epoch {epoch}, step {step}"),
    filters_initial: "(initial weights, random)",
    feature_maps_of: |n, class, epoch| format!("(strip image {n}, {class}; model of epoch {epoch})"),
    chart_files: ["loss", "accuracy", "batch-loss"],
    metrics_file: "resnet-metrics",
    compare_file: "resnet-comparison",
    download_failed: |url, e| format!("Could not download {url}: {e}. Is the server running?"),
    server_said: |status, text, url| {
        format!("The server answered “{status} {text}” for {url}. Choose the file cifar-10-binary.tar.gz from your disk.")
    },
    download_interrupted: |e| format!("The download was interrupted: {e}"),
    no_body: "The server's response has no body.",
    invalid_archive: |e| format!("The file is not valid: {e}"),
    data_error: |e| e.to_string(),
    checkpoint_error: |e| e.to_string(),
    data_not_ready: "The data is not ready yet.",
    no_device: "No device: choose WebGPU or CPU.",
    training_stopped: |e| format!("Training stopped: {e}"),
    no_bytes: "The file's bytes did not arrive.",
    unknown_message: |e| format!("Unrecognised message: {e}"),
    classify_need_model: "There is no model to use yet: train for at least one epoch, pause training or load weights.",
    classify_ready: "A model is ready: choose, drop, paste or draw an image to classify it.",
    classify_bad_image: |e| format!("That image cannot be used: {e}."),
    image_error: |e| e.to_string(),
    classify_result: |class, pct| format!("The network thinks it is: {class} ({pct:.1} %)."),
    model_source: |source| match source {
        ModelSource::Epoch { epoch } => format!("model after epoch {}", epoch + 1),
        ModelSource::Paused { epoch, step } => format!("paused model (epoch {}, step {step})", epoch + 1),
        ModelSource::Final { epochs } => format!("final model ({epochs} {})", if *epochs == 1 { "epoch" } else { "epochs" }),
        ModelSource::Loaded { file, model } => format!("{model} with the weights of {file}"),
    },
    weights_need_data: "Load the data first: normalisation uses the mean of its training images.",
    weights_bad: |file, e| format!("{file} cannot be used and nothing was changed: {e}"),
    weights_loaded: |file, model| format!("Weights from {file} loaded into {model}: you can classify now."),
    classifying: "Classifying…",
    clipboard_no_image: "What was pasted is not an image.",
    explore_wait: "Appears when the first epoch ends.",
    explore_empty: "No test image matches the filter.",
    explore_caption: |count, epoch| format!("{count} images, with the model after epoch {}", epoch + 1),
    all_classes: "all",
    saved_run: |model, done, epochs, best| match best {
        Some(best) => format!(
            "A run is saved in this browser: {model}, {done} of {epochs} epochs, best validation accuracy {:.2} %.",
            best * 100.0
        ),
        None => format!("A run is saved in this browser: {model}, {done} of {epochs} epochs."),
    },
    continue_from: |epoch| format!("Continue from epoch {epoch}"),
    continue_needs_epochs: |done, field| {
        let did = if done == 1 { "1 epoch".to_string() } else { format!("{done} epochs") };
        format!("The saved run has already trained for {did} and \u{201c}Epochs\u{201d} says {field}: set it above {done} to continue.")
    },
    stored: |done, best| {
        if best {
            format!("epoch {done} saved (the best so far)")
        } else {
            format!("epoch {done} saved")
        }
    },
    storage_failed: |e| format!(
        "The checkpoint could not be saved ({e}). Training goes on and the earlier checkpoints are intact; free some browser storage so that saving resumes."
    ),
    storage_full: |usage| {
        let detail = usage.map_or(String::new(), |(used, quota)| {
            format!(" (this site uses {:.0} MB of {:.0} MB allowed)", used / 1e6, quota / 1e6)
        });
        format!(
            "The browser refused to save the checkpoint: not enough space{detail}. Training goes on and the earlier checkpoints are intact; free some space so that saving resumes."
        )
    },
    storage_unavailable: |e| format!("This browser does not allow saving checkpoints ({e}); training works but will not survive a reload."),
    saved_bad: |e| format!("The saved run is damaged and cannot be used: {e}"),
    no_checkpoint: "There is no checkpoint yet: finish at least one epoch.",
    run_file_bad: |file, e| format!("{file} cannot be continued and nothing was changed: {e}"),
    run_file_busy: "Stop the current run before loading another one.",
    run_file_loaded: |file, done| format!("{file} loaded: {done} epochs done. Press «Continue» to go on."),
    diverged: |epoch, lr| format!(
        "In epoch {epoch} the loss stopped being a finite number: training diverged and was stopped. Lower the learning rate (it was {lr:e}) and continue from the last checkpoint, which was left untouched."
    ),
    device_lost: |why| format!("The graphics device was lost ({why})."),
    crashed: |m| format!("The computation stopped with an error ({m})."),
    out_of_memory: |m| format!("There was not enough memory ({m}): lower the batch size or pick a smaller model."),
    recovery_next: "A new device is ready; if a checkpoint was saved, continuing from it is offered below.",
    recovery_gave_up: "The error keeps coming back: reload the page to try again.",
    of_peak: |achieved, peak| format!(" ({:.0} % of the GPU's measured peak, {peak:.1} GFLOP/s)", 100.0 * achieved / peak),
    other_tab: "Another tab of this page is training and saving its run in this browser: nothing is trained or changed here, so as not to overwrite it. Finish or close that tab and try again.",
    lab: &super::LAB_EN,
    memory: |wasm, gpu| match gpu {
        Some(gpu) => format!("{wasm:.0} MiB of WebAssembly · {gpu:.0} MiB held on the GPU"),
        None => format!("{wasm:.0} MiB of WebAssembly"),
    },
};
