//! The page's HTML builders: what they show, and that nothing they interpolate becomes markup.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

use resnet_webgpu::explore::Item;
use resnet_webgpu::html::{self, Finished, Strip, escape};
use resnet_webgpu::i18n::{EN, ES};
use resnet_webgpu::summary::{LayerRow, Summary};

/// Markup a hostile string would inject if it were interpolated as it is.
const HOSTILE: &str = "<img src=x onerror=\"alert('x')\">&amp;";

/// No tag or attribute of `HOSTILE` survives: its `<`, `"` and `'` are all entities.
fn assert_inert(html: &str) {
    assert!(!html.contains("<img"), "raw markup got through: {html}");
    assert!(!html.contains("onerror=\""), "a raw attribute got through: {html}");
    assert!(html.contains("&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;amp;"), "{html}");
}

#[test]
fn escape_covers_the_five_characters() {
    assert_eq!(escape(r#"a<b>&"c"'d'"#), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
    assert_eq!(escape("ResNet20 v1 · época"), "ResNet20 v1 · época");
}

#[test]
fn summary_escapes_the_model_and_layer_names() {
    let summary = Summary {
        model: HOSTILE.into(),
        rows: vec![LayerRow { name: HOSTILE.into(), kind: "Conv2D".into(), output: vec![16, 32, 32], trainable: 448, non_trainable: 0 }],
    };
    let out = html::summary(&ES, &summary);
    assert_inert(&out);
    assert_eq!(out.matches("&lt;img").count(), 2, "model and layer name: {out}");
    assert!(out.contains("[16, 32, 32]") && out.contains("448"), "{out}");
    // A known model goes by the model list's name.
    let out = html::summary(&EN, &Summary { model: "plain56".into(), ..summary });
    assert!(out.starts_with("<p><b>Plain-56</b>: "), "{out}");
}

#[test]
fn the_webgpu_warning_escapes_the_browsers_reason() {
    assert_inert(&html::no_webgpu(&ES, HOSTILE));
    assert_inert(&html::no_webgpu(&EN, HOSTILE));
}

#[test]
fn options_escape_values_and_labels_and_mark_the_selected_one() {
    let out = html::options([("a\"b".to_string(), "x<y"), ("c".to_string(), "z")], "c");
    assert_eq!(out, "<option value=\"a&quot;b\">x&lt;y</option><option value=\"c\" selected>z</option>");
}

#[test]
fn confusion_matrix_has_a_cell_per_pair_with_its_classes() {
    let mut matrix = vec![vec![0u32; 10]; 10];
    matrix[3][5] = 7;
    matrix[2][2] = 14;
    let out = html::confusion(&ES, &matrix);
    assert_eq!(out.matches("<td data-truth=").count(), 100);
    // Cells are buttons for the keyboard, named by their classes and count.
    assert!(out.contains("<td data-truth=\"3\" data-predicted=\"5\" style=\"background: rgba(200,40,40,0.50)\"><button type=\"button\" aria-label=\"verdadera gato, predicha perro: 7\">7</button></td>"), "{out}");
    assert!(out.contains("<td data-truth=\"2\" data-predicted=\"2\" style=\"background: rgba(34,139,34,1.00)\"><button type=\"button\" aria-label=\"verdadera pájaro, predicha pájaro: 14\">14</button></td>"), "{out}");
    assert!(out.contains("<th>gato</th>") && out.contains("title=\"avión\""), "{out}");
    assert!(html::confusion(&EN, &matrix).contains("<th>cat</th>"));
}

#[test]
fn per_class_accuracy_is_one_meter_per_class() {
    let out = html::per_class(&EN, &[0.5; 10]);
    assert_eq!(out.matches("<meter min=\"0\" max=\"1\" value=\"0.500\"></meter>").count(), 10, "{out}");
    assert!(out.contains("50.0 %"));
}

#[test]
fn strip_marks_right_and_wrong_predictions() {
    let strip = Strip { epoch: 0, truth: vec![3, 1], predicted: vec![3, 9], confidence: vec![0.75, 0.5] };
    let out = html::strip(&ES, &strip);
    assert_eq!(out.matches("<span class=\"ok\"").count(), 1);
    assert_eq!(out.matches("<span class=\"bad\"").count(), 1);
    assert!(out.contains("data-predicted=\"9\" data-confidence=\"0.5\">camión"), "{out}");
}

#[test]
fn explorer_cards_carry_their_image_and_numbers() {
    let items = [Item { index: 42, truth: 3, predicted: 5, confidence: 0.875, truth_probability: 0.125 }];
    let out = html::explorer_cards(&EN, &items);
    assert!(out.starts_with("<figure class=\"bad\" data-index=\"42\" data-truth=\"3\" data-predicted=\"5\" data-confidence=\"0.875\""), "{out}");
    assert_eq!(out.matches("<canvas width=\"32\" height=\"32\"></canvas>").count(), 1);
    assert!(out.contains("dog <b>88 %</b>") && out.contains("cat (12.5 %)"), "{out}");
}

#[test]
fn bars_keep_full_precision_and_bold_the_most_likely_class() {
    let mut p = vec![0.05f32; 10];
    p[7] = 0.55;
    let out = html::bars(&ES, &p);
    assert!(out.starts_with("<div class=\"bars\" data-probabilities=\"0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.55,0.05,0.05\">"), "{out}");
    assert_eq!(out.matches(" top\"").count(), 2, "name and value of the top class: {out}");
    assert!(out.contains("<span class=\"name top\">caballo</span>"), "{out}");
}

#[test]
fn final_evaluation_and_durations() {
    let out = html::finished(&ES, &Finished { test_loss: 1.25, test_accuracy: 0.5, stopped: true, epochs_done: 3 });
    assert!(out.contains("1.2500") && out.contains("50.00 %") && out.contains("detenido con 3 épocas completas"), "{out}");
    let one = html::finished(&ES, &Finished { test_loss: 1.25, test_accuracy: 0.5, stopped: false, epochs_done: 1 });
    assert!(one.contains("Entrenamiento completado: 1 época.") && !one.contains("detenido"), "{one}");
    assert_eq!(html::duration(42.4), "42 s");
    // The learning rate as the field writes it.
    assert_eq!(html::learning_rate(0.001), "0.001");
    assert_eq!(html::learning_rate(0.0005), "0.0005");
    assert_eq!(html::learning_rate(0.001 * 0.1f64.sqrt()), "0.000316");
    assert_eq!(html::learning_rate(1e-5), "1.00e-5");
    assert_eq!(html::learning_rate(0.1), "0.1");
    assert_eq!(html::duration(185.0), "3 min 5 s");
    assert_eq!(html::duration(7_800.0), "2 h 10 min");
    // No zero part at the end: a budget of ten minutes, of an hour.
    assert_eq!(html::duration(600.0), "10 min");
    assert_eq!(html::duration(3_600.0), "1 h");
    assert_eq!(html::duration(3_629.0), "1 h");
    assert_eq!(html::group(1_234_567), "1\u{202f}234\u{202f}567");
}

#[test]
fn the_first_layers_filters_are_drawn_stretched_one_by_one() {
    use resnet_webgpu::inside::filter_mosaic;
    // Two filters [2, 3, 3, 3]: the first a ramp 0..27, the second constant.
    let mut weights: Vec<f32> = (0..27).map(|i| i as f32 * 0.01 - 0.1).collect();
    weights.extend([0.5f32; 27]);
    let (width, height, rgba) = filter_mosaic([2, 3, 3, 3], &weights, 4, 2);
    assert_eq!((width, height), (2 * (3 * 4 + 2), 12));
    assert_eq!(rgba.len(), width * height * 4);
    let pixel = |x: usize, y: usize| &rgba[(y * width + x) * 4..(y * width + x) * 4 + 4];
    // Filter 0, kernel cell (0, 0): red is its smallest weight (black), blue of cell (2, 2) its
    // largest (full); every enlarged pixel of a cell is the same.
    assert_eq!(pixel(0, 0)[0], 0);
    assert_eq!(pixel(11, 11)[2], 255);
    assert_eq!(pixel(0, 0), pixel(3, 3));
    // Green of cell (0, 0) is weight 9 of 0..26: 9/26 of the way.
    assert_eq!(pixel(0, 0)[1], (9.0f32 / 26.0 * 255.0).round() as u8);
    // The gap is white; the constant filter is mid grey.
    assert_eq!(pixel(12, 5), [255, 255, 255, 255]);
    assert_eq!(pixel(14, 0), [128, 128, 128, 255]);
    // Weights of the wrong length: a blank picture of the right size, no panic.
    let (w, h, blank) = filter_mosaic([16, 3, 3, 3], &[1.0; 5], 8, 4);
    assert_eq!((w, h), (16 * 28, 24));
    assert!(blank.iter().all(|&b| b == 255));
}

#[test]
fn feature_maps_are_drawn_a_row_per_stage_each_channel_stretched() {
    use resnet_webgpu::inside::feature_mosaic;
    // Two maps: 2 channels of 2×2 (a ramp and a constant), and 1 channel of 4×4.
    let first = ([2, 2, 2], vec![0.0, 1.0, 2.0, 3.0, 5.0, 5.0, 5.0, 5.0]);
    let second = ([1, 4, 4], (0..16).map(|v| v as f32).collect::<Vec<f32>>());
    let (width, height, rgba) = feature_mosaic(&[first, second], 2, 8, 1);
    assert_eq!((width, height), (18, 18));
    let pixel = |x: usize, y: usize| &rgba[(y * width + x) * 4..(y * width + x) * 4 + 4];
    // Row 0, channel 0: the 2×2 ramp enlarged to 8×8: black top left, white bottom right.
    assert_eq!(pixel(0, 0), [0, 0, 0, 255]);
    assert_eq!(pixel(7, 7), [255, 255, 255, 255]);
    assert_eq!(pixel(4, 0)[0], 85); // value 1 of 0..3
    // A constant channel is black; the gaps and a missing channel are white.
    assert_eq!(pixel(9, 3), [0, 0, 0, 255]);
    assert_eq!(pixel(8, 3), [255, 255, 255, 255]);
    assert_eq!(pixel(12, 12), [255, 255, 255, 255]);
    // Row 1 starts at y = 9: value 15 (white) at its bottom right.
    assert_eq!(pixel(7, 16), [255, 255, 255, 255]);
    assert_eq!(pixel(0, 9), [0, 0, 0, 255]);
}

/// A link's bad values are named, with what each field takes, in the page's language (the
/// library's English reasons stay out of the Spanish page), as sentences that end.
#[test]
fn a_links_bad_values_are_named_in_the_pages_language() {
    let (_, errors) = resnet_webgpu::export::config_from_pairs([("model", "foo"), ("epochs", "-1"), ("lr", "abc")]);
    let es = html::link_errors(&ES, &errors);
    assert_eq!(
        es,
        "El enlace trae ajustes no válidos, que se quedan en su valor por defecto: «model=foo» — Modelo: elige uno de la \
         lista (en un enlace, p. ej. resnet20v1, resnet29v2 o plain20). «epochs=-1» — Épocas: escribe un entero entre 1 y \
         1000. «lr=abc» — Tasa de aprendizaje: escribe un número entre 0 y 1, p. ej. 0.001."
    );
    assert!(!es.contains("not a"), "{es}");
    assert!(html::link_errors(&EN, &errors).contains("«epochs=-1» — Epochs: enter an integer between 1 and 1000."));
}
