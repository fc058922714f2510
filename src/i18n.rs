//! The page's interface in Spanish (first) and English. The lesson itself stays in Spanish.
//!
//! Every language is one [`Texts`] value, so a text missing in one language is a compile error
//! rather than a blank button. Static texts of `index.html` are looked up by their
//! `data-i18n` key in [`Texts::chrome`] (a test checks that both languages cover every key).

use serde::{Deserialize, Serialize};

use crate::checkpoint::{CheckpointError, RunCheckpointError};
use crate::classify::{ImageInputError, MAX_SIDE};
use crate::data::{DataError, FOLDER, MAX_BATCH_BYTES, TEST_FILE};

/// An interface language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Es,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Es, Lang::En];

    /// The BCP 47 code (`es`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    /// `es`, `es-MX`, `EN-gb`… → the language; anything else → `None`.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "es" => Some(Lang::Es),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first of the browser's preferred languages (`navigator.languages`) that the page
    /// speaks; Spanish when none is.
    pub fn from_preferences<S: AsRef<str>>(preferences: &[S]) -> Lang {
        preferences.iter().find_map(|c| Lang::from_code(c.as_ref())).unwrap_or_default()
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Es => &ES,
            Lang::En => &EN,
        }
    }
}

/// Where the model used for a classification comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelSource {
    /// The model after epoch `epoch` (from 0) of the current run.
    Epoch { epoch: usize },
    /// The model where the run was paused.
    Paused { epoch: usize, step: usize },
    /// The model at the end of a run.
    Final { epochs: usize },
    /// Weights loaded from a file.
    Loaded { file: String, model: String },
}

/// Every text of the interface in one language.
pub struct Texts {
    /// `(data-i18n key, text)` for the static parts of `index.html`.
    pub chrome: &'static [(&'static str, &'static str)],
    /// `(data-i18n-label key, accessible label)`.
    pub labels: &'static [(&'static str, &'static str)],
    pub classes: [&'static str; 10],
    pub title: &'static str,
    pub ready_to_train: &'static str,
    pub bad_model: fn(&str) -> String,
    pub bad_batch: &'static str,
    pub bad_epochs: &'static str,
    pub bad_lr: &'static str,
    pub training_started: fn(&str, &str, &str) -> String,
    pub epoch_step: fn(usize, usize, usize) -> String,
    pub lr_reduced: fn(f64) -> String,
    pub best: fn(f64, usize) -> String,
    pub finished_html: fn(f64, f64, bool, usize) -> String,
    pub val_metrics: fn(f64, f64) -> String,
    pub confusion_caption: &'static str,
    pub confusion_hint: &'static str,
    pub per_class_caption: &'static str,
    pub truth: &'static str,
    pub after_epoch: fn(usize) -> String,
    /// Idle, running, paused, stopping, finished.
    pub states: [&'static str; 5],
    pub pause: &'static str,
    pub resume: &'static str,
    pub software_adapter: &'static str,
    pub auto_chose_cpu: fn(&str) -> String,
    pub no_webgpu_html: fn(&str) -> String,
    pub no_navigator_gpu: &'static str,
    pub no_adapter: fn(&str) -> String,
    pub cpu_backend: &'static str,
    pub webgpu_adapter: &'static str,
    pub downloading: &'static str,
    pub from_cache: &'static str,
    pub progress_of: fn(f64, f64, f64) -> String,
    pub megabytes: fn(f64) -> String,
    pub data_ready: fn(&str, &str) -> String,
    pub worker_failed: fn(&str) -> String,
    pub reading_file: fn(&str) -> String,
    pub cannot_read_file: fn(&str) -> String,
    pub summary_html: fn(&SummaryTexts) -> String,
    pub nothing_to_export: &'static str,
    pub share_ready: &'static str,
    pub bad_link: fn(&str) -> String,
    pub internal_error: fn(&str) -> String,
    /// Chart titles: loss, accuracy, batch loss.
    pub chart_titles: [&'static str; 3],
    pub series_train: &'static str,
    pub series_val: &'static str,
    pub series_batch: &'static str,
    pub axis_loss: &'static str,
    pub axis_accuracy: &'static str,
    pub axis_epoch: &'static str,
    /// File names (without extension) of the three exported charts.
    pub chart_files: [&'static str; 3],
    // The worker.
    pub download_failed: fn(&str, &str) -> String,
    pub server_said: fn(u16, &str, &str) -> String,
    pub download_interrupted: fn(&str) -> String,
    pub no_body: &'static str,
    pub invalid_archive: fn(&str) -> String,
    /// What is wrong with an archive, in this language.
    pub data_error: fn(&DataError) -> String,
    /// What is wrong with a checkpoint file, in this language.
    pub checkpoint_error: fn(&RunCheckpointError) -> String,
    pub data_not_ready: &'static str,
    pub no_device: &'static str,
    pub training_stopped: fn(&str) -> String,
    pub no_bytes: &'static str,
    pub unknown_message: fn(&str) -> String,
    // Classify your own image.
    pub classify_need_model: &'static str,
    pub classify_bad_image: fn(&str) -> String,
    pub image_error: fn(&ImageInputError) -> String,
    pub classify_result: fn(&str, f64) -> String,
    pub model_source: fn(&ModelSource) -> String,
    pub weights_need_data: &'static str,
    pub weights_bad: fn(&str, &str) -> String,
    pub weights_loaded: fn(&str, &str) -> String,
    pub classifying: &'static str,
    pub clipboard_no_image: &'static str,
    // The test-set explorer.
    pub explore_wait: &'static str,
    pub explore_empty: &'static str,
    pub explore_caption: fn(usize, usize) -> String,
    pub all_classes: &'static str,
    // Checkpoints, resuming, recovery.
    /// Model, epochs done, epochs planned, best validation accuracy (fraction).
    pub saved_run: fn(&str, usize, usize, Option<f64>) -> String,
    /// The epoch a continued run starts with (from 1).
    pub continue_from: fn(usize) -> String,
    /// Epochs done, and whether it is also the best checkpoint.
    pub stored: fn(usize, bool) -> String,
    pub storage_failed: fn(&str) -> String,
    /// Bytes used and allowed for the site, when known.
    pub storage_full: fn(Option<(f64, f64)>) -> String,
    pub storage_unavailable: fn(&str) -> String,
    pub saved_bad: fn(&str) -> String,
    pub no_checkpoint: &'static str,
    pub run_file_bad: fn(&str, &str) -> String,
    pub run_file_busy: &'static str,
    pub run_file_loaded: fn(&str, usize) -> String,
    /// Epoch (from 1) and learning rate of a diverged run.
    pub diverged: fn(usize, f64) -> String,
    /// Why the device was lost (WebGPU's reason and message).
    pub device_lost: fn(&str) -> String,
    /// The worker's panic message.
    pub crashed: fn(&str) -> String,
    pub out_of_memory: fn(&str) -> String,
    pub recovery_next: &'static str,
    pub recovery_gave_up: &'static str,
    /// Achieved and peak GFLOP/s: " (x % of the measured peak, y GFLOP/s)".
    pub of_peak: fn(f64, f64) -> String,
    /// The worker's memory: WebAssembly heap and, on WebGPU, what burn's allocator holds (MiB).
    pub memory: fn(f64, Option<f64>) -> String,
}

/// The numbers of the model summary, already formatted.
pub struct SummaryTexts<'a> {
    pub model: &'a str,
    pub trainable: &'a str,
    pub total: &'a str,
    pub non_trainable: &'a str,
    pub layers: usize,
    pub rows_html: &'a str,
    pub mflops: f64,
}

pub static ES: Texts = Texts {
    chrome: &[
        ("header.title", "Redes residuales"),
        ("header.lead", "Lee cómo funciona una ResNet mientras una ResNet de verdad aprende CIFAR-10 en tu tarjeta gráfica."),
        ("lang.label", "Idioma"),
        ("lesson.loading", "Cargando la lección…"),
        ("data.title", "Datos"),
        ("data.preparing", "Preparando…"),
        ("data.pick", "Si tienes el archivo cifar-10-binary.tar.gz, elígelo o suéltalo aquí:"),
        ("data.drop", "Suelta aquí el archivo"),
        ("controls.title", "Entrenamiento"),
        ("controls.model", "Modelo"),
        ("controls.device", "Dispositivo"),
        ("controls.auto", "Automático (el más rápido)"),
        ("controls.gpu", "GPU (WebGPU)"),
        ("controls.cpu", "CPU (WebAssembly)"),
        ("controls.batch", "Tamaño de lote"),
        ("controls.epochs", "Épocas"),
        ("controls.lr", "Razón de aprendizaje"),
        ("controls.augment", "Aumentación de datos"),
        ("controls.start", "Entrenar"),
        ("controls.pause", "Pausar"),
        ("controls.stop", "Detener"),
        ("controls.loading", "Cargando…"),
        ("metrics.title", "En vivo"),
        ("metrics.loss", "Pérdida (lote)"),
        ("metrics.acc", "Exactitud (lote)"),
        ("metrics.lr", "Razón de aprendizaje"),
        ("metrics.speed", "Velocidad"),
        ("metrics.progress", "Progreso"),
        ("metrics.eta", "Tiempo restante"),
        ("metrics.val", "Validación"),
        ("metrics.best", "Mejor exactitud"),
        ("metrics.device", "Dispositivo"),
        ("metrics.memory", "Memoria"),
        ("strip.title", "Predicciones en imágenes de prueba"),
        ("classify.title", "Prueba la red con tu imagen"),
        ("classify.intro", "Elige, suelta o pega una foto (PNG, JPEG o WebP), o dibuja algo. La red ve una versión de 32×32 píxeles, normalizada como en el entrenamiento."),
        ("classify.file", "Imagen"),
        ("classify.drop", "Suelta una imagen aquí, o pégala con Ctrl+V"),
        ("classify.draw", "O dibuja:"),
        ("classify.color", "Color"),
        ("classify.sketch", "Clasificar el dibujo"),
        ("classify.clear", "Borrar"),
        ("classify.sees", "Lo que ve la red"),
        ("classify.weights", "Pesos (.safetensors) del modelo elegido arriba"),
        ("classify.status", "Entrena al menos una época (o pausa el entrenamiento) o carga unos pesos para clasificar."),
        ("explore.title", "Explora los datos de prueba"),
        ("explore.order", "Mostrar"),
        ("explore.wrong", "los errores más seguros"),
        ("explore.right", "los aciertos más seguros"),
        ("explore.uncertain", "las dudas (menor confianza)"),
        ("explore.truth", "Clase verdadera"),
        ("explore.predicted", "Clase predicha"),
        ("explore.status", "Aparece al terminar la primera época. Pulsa una celda de la matriz de confusión para filtrar."),
        ("exports.title", "Llévatelo"),
        ("exports.csv", "Métricas (CSV)"),
        ("exports.json", "Métricas (JSON)"),
        ("exports.png", "Gráficas (PNG)"),
        ("exports.svg", "Gráficas (SVG)"),
        ("exports.share", "Enlace con esta configuración"),
        ("saved.continue", "Continuar"),
        ("saved.discard", "Descartar"),
        ("checkpoints.title", "Puntos de control"),
        ("checkpoints.intro", "Al final de cada época se guardan en este navegador el último estado y el mejor (por exactitud de validación); una recarga no pierde más que la época en curso."),
        ("checkpoints.best", "Pesos del mejor (.safetensors)"),
        ("checkpoints.last", "Pesos del último (.safetensors)"),
        ("checkpoints.state", "Estado completo para continuar en otro sitio"),
        ("checkpoints.upload", "Continuar un estado guardado:"),
    ],
    labels: &[
        ("lab", "Laboratorio de entrenamiento"),
        ("share-url", "Enlace con esta configuración"),
        ("sketch", "Lienzo para dibujar"),
        ("classify-preview", "La imagen de 32×32 píxeles que ve la red"),
    ],
    classes: ["avión", "automóvil", "pájaro", "gato", "ciervo", "perro", "rana", "caballo", "barco", "camión"],
    title: "Redes residuales: entrena una ResNet en tu navegador",
    ready_to_train: "Listo para entrenar: elige el modelo y pulsa «Entrenar».",
    bad_model: |e| format!("Modelo: {e}"),
    bad_batch: "Tamaño de lote: escribe un entero entre 2 y 512.",
    bad_epochs: "Épocas: escribe un entero entre 1 y 1000.",
    bad_lr: "Razón de aprendizaje: escribe un número entre 0 y 1, p. ej. 0.001.",
    training_started: |model, params, images| {
        format!("Entrenando {model} ({params} parámetros entrenables) con {images} imágenes.")
    },
    epoch_step: |epoch, step, steps| format!("época {epoch} · paso {step} de {steps}"),
    lr_reduced: |lr| format!("La pérdida de validación no mejora: la razón de aprendizaje baja a {lr:.2e}."),
    best: |pct, epoch| format!("{pct:.2} % (época {epoch})"),
    finished_html: |loss, accuracy, stopped, epochs| {
        format!(
            "<h3>Evaluación en los datos de prueba</h3><p>Pérdida de prueba: <b>{loss:.4}</b><br>\
             Exactitud de prueba: <b>{accuracy:.4}</b></p><p>{} después de {epochs} época(s).</p>",
            if stopped { "Entrenamiento detenido" } else { "Entrenamiento completo" }
        )
    },
    val_metrics: |loss, pct| format!("pérdida {loss:.4} · exactitud {pct:.2} %"),
    confusion_caption: "Matriz de confusión (filas: clase verdadera; columnas: predicha)",
    confusion_hint: "Pulsa una celda para ver esas imágenes en el explorador.",
    per_class_caption: "Exactitud por clase",
    truth: "verdadera",
    after_epoch: |epoch| format!("después de la época {epoch}"),
    states: [
        "Listo.",
        "Entrenando…",
        "En pausa. Pulsa «Continuar» para seguir.",
        "Deteniendo después del paso actual…",
        "Entrenamiento terminado.",
    ],
    pause: "Pausar",
    resume: "Continuar",
    software_adapter: " (adaptador por software: la GPU se emula en la CPU y será lento)",
    auto_chose_cpu: |name| {
        let name = if name.is_empty() { String::new() } else { format!(" ({name})") };
        format!(
            " — elegida automáticamente: el adaptador WebGPU de este navegador{name} es por software (emula \
             la GPU en la CPU) y aquí la CPU entrena varias veces más rápido. Puedes elegir WebGPU arriba."
        )
    },
    no_webgpu_html: |reason| {
        format!(
            "<div class=\"warning\"><p><b>No hay WebGPU disponible.</b> {reason}</p><p>Para entrenar en tu \
             tarjeta gráfica usa Chrome o Edge 113 o posterior (en Linux, activa \
             <code>chrome://flags/#enable-unsafe-webgpu</code>), Safari 26 o Firefox 141 o posterior. \
             Mientras tanto, la red se entrena en la CPU, más despacio. La lección se lee igual.</p></div>"
        )
    },
    no_navigator_gpu: "Este navegador no ofrece WebGPU (navigator.gpu no existe).",
    no_adapter: |e| format!("WebGPU no pudo darnos un adaptador: {e}"),
    cpu_backend: "CPU (WebAssembly)",
    webgpu_adapter: "adaptador WebGPU",
    downloading: "Descargando CIFAR-10",
    from_cache: "Leyendo de la caché",
    progress_of: |loaded, total, pct| format!("{loaded:.1} de {total:.1} MB ({pct:.0} %)"),
    megabytes: |mb| format!("{mb:.1} MB"),
    data_ready: |train, test| format!("CIFAR-10 listo: {train} imágenes de entrenamiento y {test} de prueba."),
    worker_failed: |m| format!("El worker de entrenamiento falló: {m}"),
    reading_file: |name| format!("Leyendo {name}…"),
    cannot_read_file: |e| format!("No se pudo leer el archivo: {e}"),
    summary_html: |s| {
        format!(
            "<p><b>{}</b>: {} parámetros entrenables, {} en total ({} no entrenables: las medias y varianzas \
             móviles de la normalización por lotes).</p><details><summary>Ver las {} capas</summary>\
             <table><thead><tr><th>Capa</th><th>Tipo</th><th>Salida</th><th>Parámetros</th></tr></thead>\
             <tbody>{}</tbody></table></details><p>Un paso de entrenamiento cuesta unos {:.0} millones de \
             operaciones de punto flotante por imagen (el triple de la pasada hacia adelante).</p>",
            s.model, s.trainable, s.total, s.non_trainable, s.layers, s.rows_html, s.mflops
        )
    },
    nothing_to_export: "No hay gráficas que exportar.",
    share_ready: "Copia el enlace: abre la página con esta configuración.",
    bad_link: |m| format!("El enlace trae un ajuste no válido: {m}"),
    internal_error: |m| format!("Error interno: {m}"),
    chart_titles: ["Pérdida por época", "Exactitud por época", "Pérdida por lote"],
    series_train: "entrenamiento",
    series_val: "validación",
    series_batch: "pérdida por lote",
    axis_loss: "pérdida",
    axis_accuracy: "exactitud (%)",
    axis_epoch: "época",
    chart_files: ["perdida", "exactitud", "perdida-por-lote"],
    download_failed: |url, e| format!("No se pudo descargar {url}: {e}. ¿Está el servidor en marcha?"),
    server_said: |status, text, url| {
        format!("El servidor respondió «{status} {text}» al pedir {url}. Elige el archivo cifar-10-binary.tar.gz desde tu disco.")
    },
    download_interrupted: |e| format!("La descarga se interrumpió: {e}"),
    no_body: "La respuesta del servidor no tiene cuerpo.",
    invalid_archive: |e| format!("El archivo no es válido: {e}"),
    data_error: data_error_es,
    checkpoint_error: checkpoint_error_es,
    data_not_ready: "Los datos aún no están listos.",
    no_device: "No hay dispositivo: elige WebGPU o CPU.",
    training_stopped: |e| format!("El entrenamiento se detuvo: {e}"),
    no_bytes: "No llegaron los bytes del archivo.",
    unknown_message: |e| format!("Mensaje no reconocido: {e}"),
    classify_need_model: "Aún no hay un modelo que usar: entrena al menos una época, pausa el entrenamiento o carga unos pesos.",
    classify_bad_image: |e| format!("No se puede usar esa imagen: {e}."),
    image_error: |e| match e {
        ImageInputError::Empty => "el archivo está vacío (0 bytes)".into(),
        ImageInputError::NotAnImage { magic } => {
            format!("no es una imagen PNG, JPEG ni WebP (sus primeros bytes son {magic})")
        }
        ImageInputError::Unsupported { format } => format!("el formato {format} no se admite: usa PNG, JPEG o WebP"),
        ImageInputError::TooLarge { width, height } => format!(
            "la imagen mide {width}×{height} píxeles y el lado más largo admitido es de {MAX_SIDE}; redúcela antes"
        ),
        ImageInputError::ExceedsMemory => {
            format!("la imagen es demasiado grande para la memoria de la página; el lado más largo admitido es de {MAX_SIDE} píxeles")
        }
        ImageInputError::NoPixels { width, height } => format!("la imagen no tiene píxeles ({width}×{height})"),
        ImageInputError::Damaged { format, detail } => {
            format!("el archivo {format} está dañado o incompleto ({detail})")
        }
        ImageInputError::WrongLength { .. } => format!("el lienzo no entregó sus píxeles completos ({e})"),
    },
    classify_result: |class, pct| format!("La red cree que es: {class} ({pct:.1} %)."),
    model_source: |source| match source {
        ModelSource::Epoch { epoch } => format!("modelo tras la época {}", epoch + 1),
        ModelSource::Paused { epoch, step } => format!("modelo en pausa (época {}, paso {step})", epoch + 1),
        ModelSource::Final { epochs } => format!("modelo final ({epochs} época(s))"),
        ModelSource::Loaded { file, model } => format!("{model} con los pesos de {file}"),
    },
    weights_need_data: "Carga primero los datos: la normalización usa la media de sus imágenes de entrenamiento.",
    weights_bad: |file, e| format!("{file} no sirve y no se ha cambiado nada: {e}"),
    weights_loaded: |file, model| format!("Pesos de {file} cargados en {model}: ya puedes clasificar."),
    classifying: "Clasificando…",
    clipboard_no_image: "Lo pegado no es una imagen.",
    explore_wait: "Aparece al terminar la primera época.",
    explore_empty: "Ninguna imagen de prueba cumple el filtro.",
    explore_caption: |count, epoch| format!("{count} imágenes, con el modelo tras la época {}", epoch + 1),
    all_classes: "todas",
    saved_run: |model, done, epochs, best| match best {
        Some(best) => format!(
            "Hay un entrenamiento guardado en este navegador: {model}, {done} de {epochs} épocas, mejor exactitud de validación {:.1} %.",
            best * 100.0
        ),
        None => format!("Hay un entrenamiento guardado en este navegador: {model}, {done} de {epochs} épocas."),
    },
    continue_from: |epoch| format!("Continuar desde la época {epoch}"),
    stored: |done, best| {
        if best {
            format!("época {done} guardada (y es la mejor hasta ahora)")
        } else {
            format!("época {done} guardada")
        }
    },
    storage_failed: |e| format!(
        "No se pudo guardar el punto de control ({e}). El entrenamiento sigue y los puntos de control anteriores están intactos; libera espacio en el navegador para que se vuelva a guardar."
    ),
    storage_full: |usage| {
        let detail = usage.map_or(String::new(), |(used, quota)| {
            format!(" (este sitio usa {:.0} MB de {:.0} MB permitidos)", used / 1e6, quota / 1e6)
        });
        format!(
            "El navegador rechazó guardar el punto de control: falta espacio{detail}. El entrenamiento sigue y los puntos de control anteriores están intactos; libera espacio para que se vuelva a guardar."
        )
    },
    storage_unavailable: |e| format!("Este navegador no deja guardar puntos de control ({e}); el entrenamiento funciona, pero no sobrevivirá a una recarga."),
    saved_bad: |e| format!("El entrenamiento guardado está dañado y no se puede usar: {e}"),
    no_checkpoint: "Aún no hay ningún punto de control: termina al menos una época.",
    run_file_bad: |file, e| format!("{file} no se puede continuar y no se ha cambiado nada: {e}"),
    run_file_busy: "Detén el entrenamiento en curso antes de cargar otro.",
    run_file_loaded: |file, done| format!("{file} cargado: {done} épocas hechas. Pulsa «Continuar» para seguir."),
    diverged: |epoch, lr| format!(
        "En la época {epoch} la pérdida dejó de ser un número finito: el entrenamiento divergió y se ha detenido. Baja la razón de aprendizaje (era {lr:e}) y continúa desde el último punto de control, que no se ha tocado."
    ),
    device_lost: |why| format!("Se perdió el dispositivo gráfico ({why})."),
    crashed: |m| format!("El cálculo se interrumpió por un error ({m})."),
    out_of_memory: |m| format!(
        "No hubo memoria suficiente ({m}): baja el tamaño de lote o elige un modelo más pequeño."
    ),
    recovery_next: "Ya hay un dispositivo nuevo preparado; si se guardó algún punto de control, abajo se ofrece continuar desde él.",
    recovery_gave_up: "El error se repite: recarga la página para volver a intentarlo.",
    of_peak: |achieved, peak| format!(" ({:.0} % del pico medido de la GPU, {peak:.1} GFLOP/s)", 100.0 * achieved / peak),
    memory: |wasm, gpu| match gpu {
        Some(gpu) => format!("{wasm:.0} MiB de WebAssembly · {gpu:.0} MiB reservados en la GPU"),
        None => format!("{wasm:.0} MiB de WebAssembly"),
    },
};

pub static EN: Texts = Texts {
    chrome: &[
        ("header.title", "Residual networks"),
        ("header.lead", "Read how a ResNet works while a real ResNet learns CIFAR-10 on your graphics card."),
        ("lang.label", "Language"),
        ("lesson.loading", "Loading the lesson…"),
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
        ("classify-preview", "The 32×32-pixel image the network sees"),
    ],
    classes: ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    title: "Residual networks: train a ResNet in your browser",
    ready_to_train: "Ready to train: choose the model and press “Train”.",
    bad_model: |e| format!("Model: {e}"),
    bad_batch: "Batch size: enter an integer between 2 and 512.",
    bad_epochs: "Epochs: enter an integer between 1 and 1000.",
    bad_lr: "Learning rate: enter a number between 0 and 1, e.g. 0.001.",
    training_started: |model, params, images| {
        format!("Training {model} ({params} trainable parameters) on {images} images.")
    },
    epoch_step: |epoch, step, steps| format!("epoch {epoch} · step {step} of {steps}"),
    lr_reduced: |lr| format!("The validation loss does not improve: the learning rate drops to {lr:.2e}."),
    best: |pct, epoch| format!("{pct:.2} % (epoch {epoch})"),
    finished_html: |loss, accuracy, stopped, epochs| {
        format!(
            "<h3>Evaluation on the test data</h3><p>Test loss: <b>{loss:.4}</b><br>\
             Test accuracy: <b>{accuracy:.4}</b></p><p>{} after {epochs} epoch(s).</p>",
            if stopped { "Training stopped" } else { "Training complete" }
        )
    },
    val_metrics: |loss, pct| format!("loss {loss:.4} · accuracy {pct:.2} %"),
    confusion_caption: "Confusion matrix (rows: true class; columns: predicted)",
    confusion_hint: "Click a cell to see those images in the explorer.",
    per_class_caption: "Accuracy per class",
    truth: "true",
    after_epoch: |epoch| format!("after epoch {epoch}"),
    states: [
        "Ready.",
        "Training…",
        "Paused. Press “Resume” to go on.",
        "Stopping after the current step…",
        "Training finished.",
    ],
    pause: "Pause",
    resume: "Resume",
    software_adapter: " (software adapter: the GPU is emulated on the CPU and will be slow)",
    auto_chose_cpu: |name| {
        let name = if name.is_empty() { String::new() } else { format!(" ({name})") };
        format!(
            " — chosen automatically: this browser's WebGPU adapter{name} is a software one (it emulates \
             the GPU on the CPU) and here the CPU trains several times faster. You can choose WebGPU above."
        )
    },
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
    cpu_backend: "CPU (WebAssembly)",
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
    nothing_to_export: "There are no charts to export.",
    share_ready: "Copy the link: it opens the page with these settings.",
    bad_link: |m| format!("The link carries an invalid setting: {m}"),
    internal_error: |m| format!("Internal error: {m}"),
    chart_titles: ["Loss per epoch", "Accuracy per epoch", "Loss per batch"],
    series_train: "training",
    series_val: "validation",
    series_batch: "batch loss",
    axis_loss: "loss",
    axis_accuracy: "accuracy (%)",
    axis_epoch: "epoch",
    chart_files: ["loss", "accuracy", "batch-loss"],
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
    classify_bad_image: |e| format!("That image cannot be used: {e}."),
    image_error: |e| e.to_string(),
    classify_result: |class, pct| format!("The network thinks it is: {class} ({pct:.1} %)."),
    model_source: |source| match source {
        ModelSource::Epoch { epoch } => format!("model after epoch {}", epoch + 1),
        ModelSource::Paused { epoch, step } => format!("paused model (epoch {}, step {step})", epoch + 1),
        ModelSource::Final { epochs } => format!("final model ({epochs} epoch(s))"),
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
            "A run is saved in this browser: {model}, {done} of {epochs} epochs, best validation accuracy {:.1} %.",
            best * 100.0
        ),
        None => format!("A run is saved in this browser: {model}, {done} of {epochs} epochs."),
    },
    continue_from: |epoch| format!("Continue from epoch {epoch}"),
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
    memory: |wasm, gpu| match gpu {
        Some(gpu) => format!("{wasm:.0} MiB of WebAssembly · {gpu:.0} MiB held on the GPU"),
        None => format!("{wasm:.0} MiB of WebAssembly"),
    },
};

/// The archive reader's errors in Spanish (the library's own messages are English).
fn data_error_es(e: &DataError) -> String {
    const URL: &str = "https://www.cs.toronto.edu/~kriz/cifar.html";
    match e {
        DataError::Io { path, source } => format!("no se pudo leer «{path}»: {source}. Comprueba la ruta y que el archivo se pueda leer."),
        DataError::Empty => format!("el archivo está vacío (0 bytes). Vuelve a descargar `cifar-10-binary.tar.gz` de {URL}"),
        DataError::NotGzip { found } => format!(
            "no es un archivo gzip (empieza por {found}). Hace falta la versión *binaria* de CIFAR-10, `cifar-10-binary.tar.gz`, no la de Python ni la de MATLAB"
        ),
        DataError::BadGzip { detail } => format!(
            "el contenido gzip está truncado o dañado ({detail}). Seguramente la descarga se cortó: vuelve a descargar `cifar-10-binary.tar.gz`"
        ),
        DataError::NotTar { detail } => format!(
            "es un gzip, pero lo que contiene no es un archivo tar ({detail}). Hace falta `cifar-10-binary.tar.gz` tal como se publica"
        ),
        DataError::NoEntries => format!("el archivo tar no contiene nada. Se esperaban `{FOLDER}/data_batch_1.bin` … `{TEST_FILE}`"),
        DataError::Cifar100 { entry } => format!(
            "parece el archivo de CIFAR-100 (contiene `{entry}`); esta página entrena con CIFAR-10: usa `cifar-10-binary.tar.gz`"
        ),
        DataError::WrongLayout { entry, name } => format!(
            "`{entry}` no está donde lo guarda el archivo oficial: se esperaba `{FOLDER}/{name}`. Vuelve a crear el archivo con la carpeta `{FOLDER}/` en la raíz"
        ),
        DataError::MissingBatch { name } => format!(
            "falta `{name}` (se esperaba `{FOLDER}/{name}`). El archivo está incompleto: vuelve a descargar `cifar-10-binary.tar.gz`"
        ),
        DataError::BadBatchSize { name, len } => format!(
            "`{name}` tiene {len} bytes, que no es múltiplo de 3073 (1 byte de etiqueta y 3072 de píxeles por imagen): está truncado o no es un lote binario de CIFAR-10"
        ),
        DataError::BatchTooLarge { name, len } => format!(
            "`{name}` declara {len} bytes, más de los {MAX_BATCH_BYTES} que puede tener un lote de CIFAR-10: el archivo está dañado o no es CIFAR-10"
        ),
        DataError::LabelOutOfRange { name, index, label } => format!(
            "`{name}`, imagen {index}: la etiqueta {label} está fuera de rango (las de CIFAR-10 van de 0 a 9). ¿Es un lote de CIFAR-100?"
        ),
    }
}

/// The checkpoint errors in Spanish.
fn checkpoint_error_es(e: &RunCheckpointError) -> String {
    match e {
        RunCheckpointError::Device(detail) => format!("no se pudo leer el modelo del dispositivo ({detail})"),
        RunCheckpointError::NonFinite(name) => {
            format!("los pesos ya no son números finitos ({name} tiene NaN o infinito); no se ha guardado el punto de control")
        }
        RunCheckpointError::NotSafetensors(detail) => format!("no es un archivo safetensors ({detail})"),
        RunCheckpointError::WeightsOnly => "es un archivo de pesos sin estado de entrenamiento: sirve para evaluar o para empezar desde él, no para continuar".into(),
        RunCheckpointError::Foreign(format) => format!("es un archivo safetensors de otro programa (formato {format:?})"),
        RunCheckpointError::BadState(detail) => format!("el estado de entrenamiento del archivo está dañado: {detail}"),
        RunCheckpointError::Weights(CheckpointError::Load(detail)) => format!("no son pesos de este modelo: {detail}"),
        RunCheckpointError::Weights(CheckpointError::Save(detail)) => format!("no se pudo escribir el punto de control: {detail}"),
    }
}
