//! "The papers, live": each paper's central claim on the visitor's own
//! image. AS-MLP's shift designed like a kernel ([`explorer`]) and its
//! runs at any input size ([`regions`]), MLP-Mixer's indifference to a
//! patch shuffle ([`shuffle`]), and the three models with S²-MLPv2's
//! ablations side by side ([`compare`]). The numbers come from the core;
//! these components draw them.

mod compare;
mod explorer;
pub mod photo;
mod regions;
mod shuffle;

use std::rc::Rc;

use yew::prelude::*;

use crate::state::Analysis;
use crate::views_state::Views;
use compare::Compare;
use explorer::Explorer;
use regions::Regions;
use shuffle::Shuffle;

/// What the panel asks the engine for.
#[derive(Clone, PartialEq)]
pub struct PapersCallbacks {
    /// Regions at an input size.
    pub regions: Callback<usize>,
    /// The models side by side.
    pub compare: Callback<()>,
    /// A patch shuffle with a seed.
    pub shuffle: Callback<u64>,
}

/// Props of [`PapersPanel`].
#[derive(Properties, PartialEq)]
pub struct PapersProps {
    /// The image shown.
    pub analysis: Rc<Analysis>,
    /// The visitor's photo, once loaded (none for webcam frames).
    pub photo: Option<web_sys::HtmlImageElement>,
    /// The views' state.
    pub views: Views,
    /// Requests to the engine.
    pub callbacks: PapersCallbacks,
}

/// The section with the four views.
#[component]
pub fn PapersPanel(props: &PapersProps) -> Html {
    let photo = props.photo.clone();
    html! {
        <section class="viz papers" id="papers" aria-labelledby="papers-heading">
            <h2 id="papers-heading">{ "The papers, live" }</h2>
            <div class="viz-grid">
                <Explorer analysis={props.analysis.clone()} photo={photo.clone()} />
                <Regions analysis={props.analysis.clone()} photo={photo.clone()} regions={props.views.regions.clone()}
                    on_run={props.callbacks.regions.clone()} />
                <Shuffle analysis={props.analysis.clone()} shuffled={props.views.shuffled.clone()}
                    on_run={props.callbacks.shuffle.clone()} />
                <Compare analysis={props.analysis.clone()} compared={props.views.compared.clone()}
                    on_run={props.callbacks.compare.clone()} />
            </div>
        </section>
    }
}
