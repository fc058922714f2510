//! The interface in Spanish.

#![allow(unused_imports)]
use crate::checkpoint::{CheckpointError, RunCheckpointError};
use crate::classify::{ImageInputError, MAX_SIDE};
use crate::data::{DataError, FOLDER, MAX_BATCH_BYTES, TEST_FILE};
use super::{ModelSource, SummaryTexts, Texts};

pub static ES: Texts = Texts {
    chrome: &[
        ("controls.train-images", "Imágenes de entrenamiento"),
        ("controls.test-images", "Imágenes de prueba"),
        ("presets.quick", "Prueba rápida (~5 min)"),
        ("presets.paper", "Receta completa (200 épocas)"),
        ("experiments.title", "Experimentos"),
        ("experiments.intro", "Cada botón entrena varias redes una tras otra, con la misma semilla, los mismos datos y el mismo número de épocas, ajustado a la velocidad medida en este dispositivo para que todo quepa en el tiempo elegido; al final, sus curvas de error superpuestas."),
        ("experiments.budget", "Tiempo para el experimento"),
        ("budget.5", "5 minutos"),
        ("budget.10", "10 minutos"),
        ("budget.20", "20 minutos"),
        ("budget.40", "40 minutos"),
        ("budget.60", "1 hora"),
        ("experiments.degradation", "Degradación"),
        ("experiments.augmentation", "Aumentación sí/no"),
        ("experiments.versions", "v1 frente a v2"),
        ("plan.start", "Empezar el experimento"),
        ("plan.cancel", "Cancelar"),
        ("experiment.continue", "Continuar el experimento"),
        ("experiment.discard", "Abandonarlo"),
        ("compare.title", "Comparar ejecuciones"),
        ("compare.csv", "Curvas superpuestas (CSV)"),
        ("compare.json", "Curvas superpuestas (JSON)"),
        ("compare.svg", "Curvas superpuestas (SVG)"),
        ("header.title", "Redes residuales"),
        ("header.lead", "Lee cómo funciona una ResNet mientras una ResNet de verdad aprende CIFAR-10 en tu navegador, en la tarjeta gráfica cuando la hay."),
        ("lang.label", "Idioma"),
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
        ("controls.lr", "Tasa de aprendizaje"),
        ("controls.augment", "Aumentación de datos"),
        ("controls.start", "Entrenar"),
        ("controls.pause", "Pausar"),
        ("controls.stop", "Detener"),
        ("controls.loading", "Cargando…"),
        ("metrics.title", "En vivo"),
        ("metrics.loss", "Pérdida (lote)"),
        ("metrics.acc", "Exactitud (lote)"),
        ("metrics.lr", "Tasa de aprendizaje"),
        ("metrics.speed", "Velocidad"),
        ("metrics.progress", "Progreso"),
        ("metrics.eta", "Tiempo restante"),
        ("metrics.val", "Validación"),
        ("metrics.best", "Mejor exactitud"),
        ("metrics.device", "Dispositivo"),
        ("metrics.memory", "Memoria"),
        ("strip.title", "Predicciones en imágenes de prueba"),
        ("filters.title", "Los 16 filtros de la primera capa"),
        ("filters.note", "Cada filtro mira un recuadro de 3×3 píxeles en rojo, verde y azul; aquí, ampliado y con sus pesos llevados de negro (el menor) a pleno color (el mayor)."),
        ("features.title", "Mapas de características"),
        ("features.note", "Lo que ve la red en una imagen de prueba: cada fila es la salida del tallo y de las etapas 1, 2 y 3 (8 canales cada una, de 32×32, 32×32, 16×16 y 8×8 píxeles), cada canal llevado de negro (su mínimo) a blanco (su máximo). Pulsa una imagen de la tira para ver la suya."),
        ("gradients.title", "Flujo del gradiente, capa por capa"),
        ("gradients.note", "La norma del gradiente de cada capa de pesos, de la entrada (izquierda) a la salida, medida en el paso de entrenamiento mismo cada vez que se leen las métricas; las líneas más oscuras son las más recientes."),
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
        ("filters", "Los filtros 3×3 de la primera capa, ampliados"),
        ("feature-maps", "Mapas de características de una imagen de prueba"),
        ("classify-preview", "La imagen de 32×32 píxeles que ve la red"),
        ("compare-chart", "Gráfica de las ejecuciones comparadas"),
        ("batch-chart", "Gráfica de la pérdida de cada lote"),
        ("loss-chart", "Gráfica de la pérdida por época"),
        ("acc-chart", "Gráfica de la exactitud por época"),
        ("grad-chart", "Gráfica de la norma del gradiente de cada capa"),
        ("test-strip", "Diez imágenes de prueba: pulsa una, o usa las flechas, para ver sus mapas de características"),
    ],
    classes: ["avión", "automóvil", "pájaro", "gato", "ciervo", "perro", "rana", "caballo", "barco", "camión"],
    title: "Redes residuales: entrena una ResNet en tu navegador",
    ready_to_train: "Listo para entrenar: elige el modelo y pulsa «Entrenar».",
    bad_model: |e| format!("Modelo: {e}"),
    bad_batch: "Tamaño de lote: escribe un entero entre 2 y 512.",
    bad_epochs: "Épocas: escribe un entero entre 1 y 1000.",
    bad_lr: "Tasa de aprendizaje: escribe un número entre 0 y 1, p. ej. 0.001.",
    bad_train_images: "Imágenes de entrenamiento: escribe un entero igual o mayor que 2, o déjalo vacío para usarlas todas.",
    bad_test_images: "Imágenes de prueba: escribe un entero igual o mayor que 1, o déjalo vacío para usarlas todas.",
    training_started: |model, params, images| {
        format!("Entrenando {model} ({params} parámetros entrenables) con {images} imágenes.")
    },
    epoch_step: |epoch, step, steps| format!("época {epoch} · paso {step} de {steps}"),
    lr_reduced: |lr| format!("La pérdida de validación no mejora: la tasa de aprendizaje baja a {lr:.2e}."),
    best: |pct, epoch| format!("{pct:.2} % (época {epoch})"),
    finished_html: |loss, accuracy, stopped, epochs| {
        let how = match (stopped, epochs) {
            (true, 1) => "Entrenamiento detenido con 1 época completa: esta evaluación usa los pesos que tenía al detenerse.".to_string(),
            (true, n) => format!("Entrenamiento detenido con {n} épocas completas: esta evaluación usa los pesos que tenía al detenerse."),
            (false, 1) => "Entrenamiento completado: 1 época.".to_string(),
            (false, n) => format!("Entrenamiento completado: {n} épocas."),
        };
        format!(
            "<h3>Evaluación en los datos de prueba</h3><p>Pérdida de prueba: <b>{loss:.4}</b><br>\
             Exactitud de prueba: <b>{:.2} %</b></p><p>{how}</p>",
            accuracy * 100.0
        )
    },
    val_metrics: |loss, pct| format!("pérdida {loss:.4} · exactitud {pct:.2} %"),
    confusion_caption: "Matriz de confusión (filas: clase verdadera; columnas: predicha)",
    confusion_hint: "Pulsa una celda para ver esas imágenes en el explorador.",
    per_class_caption: "Exactitud por clase",
    truth: "verdadera",
    predicted: "predicha",
    after_epoch: |epoch| format!("después de la época {epoch}"),
    states: [
        "Listo.",
        "Entrenando…",
        "En pausa. Pulsa «Continuar» para seguir.",
        "Deteniendo después del paso actual…",
        "Entrenamiento terminado.",
    ],
    stopped_state: "Entrenamiento detenido.",
    pause: "Pausar",
    pausing: "Pausando… (en cuanto acabe el paso o la evaluación en curso)",
    starting: "Empezando…",
    resume: "Continuar",
    software_adapter: " (adaptador por software: la GPU se emula en la CPU y será lento)",
    auto_chose_cpu: |name| {
        let name = if name.is_empty() { String::new() } else { format!(" ({name})") };
        format!(
            " — elegida automáticamente: el adaptador WebGPU de este navegador{name} es por software (emula \
             la GPU en la CPU) y aquí la CPU entrena varias veces más rápido. Puedes elegir WebGPU arriba."
        )
    },
    kernels_compiling: |model, batch| format!(" · compilando los kernels de la GPU para {model}, lote {batch}…"),
    kernels_ready: |model, batch, seconds| format!(" · kernels de {model}, lote {batch}, compilados en {seconds:.1} s"),
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
    webgpu_pick_failed: |why| format!("No se puede entrenar con WebGPU aquí, así que sigue en la CPU. {why}"),
    cpu_threads: |n| match n {
        1 => "CPU (WebAssembly, 1 hilo)".into(),
        n => format!("CPU (WebAssembly, {n} hilos)"),
    },
    threads_no_webgpu: "Este módulo del worker entrena en la CPU con varios hilos y no tiene WebGPU; recarga la página.",
    no_timestamp_query: "El adaptador WebGPU de este navegador no ofrece marcas de tiempo en la GPU («timestamp-query»), sin las que burn no puede usarlo aquí.",
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
    nothing_to_export: "Aún no ha terminado ninguna época: no hay métricas ni gráficas que exportar.",
    no_chart_images: "Las gráficas no se han podido dibujar aquí (no cargó Chart.js), así que no hay imágenes que guardar; la exportación en SVG las dibuja sin él.",
    share_ready: "Copia el enlace: abre la página con esta configuración.",
    bad_link: |m| format!("El enlace trae ajustes no válidos, que se quedan en su valor por defecto: {m}"),
    no_data: "Sin datos no se puede entrenar: elige el archivo de CIFAR-10 en «Datos».",
    unknown_model: "Modelo: elige uno de la lista (en un enlace, p. ej. resnet20v1, resnet29v2 o plain20).",
    bad_augment: "Aumentación: en un enlace, 1 o 0.",
    internal_error: |m| format!("Error interno: {m}"),
    chart_titles: ["Pérdida por época", "Exactitud por época", "Pérdida por lote"],
    series_train: "entrenamiento",
    series_val: "validación",
    series_batch: "pérdida por lote",
    axis_loss: "pérdida",
    axis_accuracy: "exactitud (%)",
    axis_epoch: "época",
    axis_layer: "capa (de la entrada a la salida)",
    axis_grad_norm: "norma (escala log)",
    grad_window: |epoch, step| format!("época {epoch}, paso {step}"),
    filters_initial: "(pesos iniciales, al azar)",
    feature_maps_of: |n, class, epoch| format!("(imagen {n} de la tira, {class}; modelo de la época {epoch})"),
    chart_files: ["perdida", "exactitud", "perdida-por-lote"],
    metrics_file: "resnet-metricas",
    compare_file: "resnet-comparacion",
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
    classify_ready: "Ya hay un modelo: elige, arrastra, pega o dibuja una imagen para clasificarla.",
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
        ModelSource::Final { epochs } => format!("modelo final ({epochs} {})", if *epochs == 1 { "época" } else { "épocas" }),
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
            "Hay un entrenamiento guardado en este navegador: {model}, {done} de {epochs} épocas, mejor exactitud de validación {:.2} %.",
            best * 100.0
        ),
        None => format!("Hay un entrenamiento guardado en este navegador: {model}, {done} de {epochs} épocas."),
    },
    continue_from: |epoch| format!("Continuar desde la época {epoch}"),
    continue_needs_epochs: |done, field| {
        let did = if done == 1 { "1 época".to_string() } else { format!("{done} épocas") };
        format!("El entrenamiento guardado ya lleva {did} y en «Épocas» pone {field}: pon más de {done} para continuarlo.")
    },
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
        "En la época {epoch} la pérdida dejó de ser un número finito: el entrenamiento divergió y se ha detenido. Baja la tasa de aprendizaje (era {lr:e}) y continúa desde el último punto de control, que no se ha tocado."
    ),
    device_lost: |why| format!("Se perdió el dispositivo gráfico ({why})."),
    crashed: |m| format!("El cálculo se interrumpió por un error ({m})."),
    out_of_memory: |m| format!(
        "No hubo memoria suficiente ({m}): baja el tamaño de lote o elige un modelo más pequeño."
    ),
    recovery_next: "Ya hay un dispositivo nuevo preparado; si se guardó algún punto de control, abajo se ofrece continuar desde él.",
    recovery_gave_up: "El error se repite: recarga la página para volver a intentarlo.",
    of_peak: |achieved, peak| format!(" ({:.0} % del pico medido de la GPU, {peak:.1} GFLOP/s)", 100.0 * achieved / peak),
    other_tab: "Otra pestaña de esta página está entrenando y guarda el entrenamiento en este navegador: aquí no se entrena ni se cambia nada para no pisarlo. Termina o cierra esa pestaña y vuelve a intentarlo.",
    lab: &super::LAB_ES,
    memory: |wasm, gpu| match gpu {
        Some(gpu) => format!("{wasm:.0} MiB de WebAssembly · {gpu:.0} MiB reservados en la GPU"),
        None => format!("{wasm:.0} MiB de WebAssembly"),
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
