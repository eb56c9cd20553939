//! Input controls: file picker and webcam button, example images, the
//! visitor's own weights, and the theme toggle.

use gloo::storage::{LocalStorage, Storage};
use js_sys::Uint8Array;
use shiftscope::engine::catalogue::{self, EXAMPLES};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::view::select_value;

/// Where the example image `name` is served (the list:
/// `catalogue::EXAMPLES`; licences in `assets/README.md`).
pub fn example_url(name: &str) -> String {
    format!("assets/examples/{name}.png")
}

/// The first file an `<input type=file>` holds after a change (and clears
/// it, so choosing the same file again fires again).
fn chosen_file(event: &Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = event.target()?.dyn_into().ok()?;
    let file = input.files()?.get(0);
    input.set_value("");
    file
}

/// Props of [`ImageControls`].
#[derive(Properties, PartialEq)]
pub struct ImageControlsProps {
    /// Called with a chosen image file.
    pub on_file: Callback<web_sys::File>,
    /// Starts or stops the webcam.
    pub on_webcam: Callback<()>,
    /// Whether the webcam runs.
    pub webcam: bool,
    /// The classes the shipped models tell apart (empty until their cards arrive).
    #[prop_or_default]
    pub classes: Vec<String>,
    /// The side in pixels of the thumbnail they classify.
    #[prop_or_default]
    pub side: Option<usize>,
}

/// "Choose an image" and "Start webcam".
#[component]
pub fn ImageControls(props: &ImageControlsProps) -> Html {
    let on_change = {
        let on_file = props.on_file.clone();
        Callback::from(move |event: Event| {
            if let Some(file) = chosen_file(&event) {
                on_file.emit(file);
            }
        })
    };
    let on_webcam = props.on_webcam.reform(|_: MouseEvent| ());
    html! {
        <div class="controls">
            <label class="button" for="file">{ "Choose an image…" }</label>
            <input id="file" class="visually-hidden" type="file" accept="image/*" onchange={on_change} />
            <button id="webcam-toggle" type="button" onclick={on_webcam} aria-pressed={props.webcam.to_string()}>
                { if props.webcam { "Stop webcam" } else { "Start webcam" } }
            </button>
            <span class="hint">{ "or drop / paste (Ctrl+V) an image anywhere" }</span>
            if let (false, Some(side)) = (props.classes.is_empty(), props.side) {
                <p class="hint" id="what-it-knows">{ format!(
                    "The models know {} kinds of thing — {} — and see only a {side}×{side}-pixel thumbnail of the middle of your image.",
                    props.classes.len(), props.classes.join(", ")) }</p>
            }
        </div>
    }
}

/// Props of [`Examples`].
#[derive(Properties, PartialEq)]
pub struct ExamplesProps {
    /// Called with an example's name.
    pub on_pick: Callback<String>,
}

/// One-click example images.
#[component]
pub fn Examples(props: &ExamplesProps) -> Html {
    html! {
        <div class="examples" role="group" aria-label="example images">
            { for EXAMPLES.iter().map(|example| {
                let name = example.name;
                let on_pick = props.on_pick.clone();
                let onclick = Callback::from(move |_: MouseEvent| on_pick.emit(name.to_string()));
                let outside = example.shows.is_none();
                let label = if outside { format!("{name} (not one of the classes)") } else { name.to_string() };
                html! {
                    <button type="button" class="example" data-example={name} data-outside={outside.to_string()} {onclick}
                        aria-label={format!("classify the example image: {label}")}>
                        <img src={example_url(name)} alt="" />
                        <span>{ label }</span>
                    </button>
                }
            }) }
        </div>
    }
}

/// A weights file the visitor chose, for the engine to read.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenWeights {
    /// The file's name.
    pub file_name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// The variant chosen for files without a config.
    pub variant: String,
}

/// Props of [`OwnWeights`].
#[derive(Properties, PartialEq)]
pub struct OwnWeightsProps {
    /// Called with the visitor's file.
    pub on_weights: Callback<GivenWeights>,
    /// Called when the file cannot be used.
    pub on_error: Callback<String>,
}

/// Bring your own weights: a burnpack (config inside), or a safetensors or
/// PyTorch `.pth` file (config from the chosen variant).
#[component]
pub fn OwnWeights(props: &OwnWeightsProps) -> Html {
    let variant = use_state(|| "asmlp_tiny".to_string());
    let on_variant = {
        let variant = variant.clone();
        Callback::from(move |event: Event| {
            if let Some(value) = select_value(&event) {
                variant.set(value);
            }
        })
    };
    let on_change = {
        let (variant, on_weights, on_error) = ((*variant).clone(), props.on_weights.clone(), props.on_error.clone());
        Callback::from(move |event: Event| {
            let Some(file) = chosen_file(&event) else { return };
            let (variant, on_weights, on_error) = (variant.clone(), on_weights.clone(), on_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let name = file.name();
                let bytes = match JsFuture::from(file.array_buffer()).await {
                    Ok(buffer) => Uint8Array::new(&buffer).to_vec(),
                    Err(_) => return on_error.emit(format!("{name}: the file could not be read")),
                };
                on_weights.emit(GivenWeights { file_name: name, bytes, variant });
            });
        })
    };
    html! {
        <details class="own-weights">
            <summary>{ "Use your own weights" }</summary>
            <p>{ "A burnpack file (" }<code>{ "shiftscope convert" }</code>{ " output) carries its model config; a safetensors or PyTorch " }<code>{ ".pth" }</code>{ " file (official AS-MLP and timm Mixer key names, training checkpoints too) uses the variant chosen here." }</p>
            <label for="weights-variant">{ "variant" }</label>
            <select id="weights-variant" onchange={on_variant}>
                { for catalogue::entries().iter().map(|v| html! {
                    <option value={v.name} selected={*variant == v.name}>{ format!("{} — {}", v.name, v.summary) }</option>
                }) }
            </select>
            <label class="button" for="weights-file">{ "Choose weights…" }</label>
            <input id="weights-file" class="visually-hidden" type="file" accept=".bpk,.safetensors,.pth,.pt,.tar,.bin" onchange={on_change} />
        </details>
    }
}

/// Key of the theme choice in local storage.
const THEME_KEY: &str = "shiftscope-theme";

/// Switches between the light and dark theme (default: the system's).
#[component]
pub fn ThemeToggle() -> Html {
    let theme = use_state(|| LocalStorage::get::<String>(THEME_KEY).ok());
    {
        let theme = (*theme).clone();
        use_effect_with(theme, |theme| {
            if let Some(root) = gloo::utils::document().document_element() {
                let _ = match theme {
                    Some(theme) => root.set_attribute("data-theme", theme),
                    None => root.remove_attribute("data-theme"),
                };
            }
        });
    }
    let onclick = {
        let theme = theme.clone();
        Callback::from(move |_: MouseEvent| {
            let system_dark = gloo::utils::window()
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
                .is_some_and(|m| m.matches());
            let dark_now = theme.as_deref().map_or(system_dark, |t| t == "dark");
            let next = if dark_now { "light" } else { "dark" };
            let _ = LocalStorage::set(THEME_KEY, next);
            theme.set(Some(next.to_string()));
        })
    };
    html! {
        <button id="theme" type="button" class="theme" {onclick} aria-label="switch between light and dark theme">{ "◐ theme" }</button>
    }
}
