//! What the page reads off its [`State`]: the image to preview, the one
//! being classified, the one waiting for a model, the one to send again.

use super::State;

impl State {
    /// The source of the latest unanswered image, when no model is ready
    /// yet to classify it (it waits for one).
    pub fn waiting(&self) -> Option<&str> {
        match self.active {
            None => self.sent.values().next_back().map(|s| s.source.as_str()),
            Some(_) => None,
        }
    }

    /// The image the page shows: the newest image sent (not a webcam
    /// frame) while it is classified, else the one whose answer is shown.
    /// Its source and preview URL.
    pub fn preview(&self) -> Option<(&str, &str)> {
        let in_flight = self.sent.values().rev().find(|s| !s.live && s.preview.is_some());
        match in_flight {
            Some(sent) => Some((sent.source.as_str(), sent.preview.as_deref()?)),
            None => Some((self.outcome.source.as_str(), self.outcome.preview.as_deref()?)),
        }
    }

    /// The source of the newest image (not a webcam frame) sent and not
    /// answered yet: the prediction area says it is being classified.
    pub fn classifying(&self) -> Option<&str> {
        self.sent.values().rev().find(|s| !s.live).map(|s| s.source.as_str())
    }

    /// What to send again after a model change (see [`State::reruns`]):
    /// the shown image's source and preview URL (none for webcam frames,
    /// whose next frame goes to the new model anyway).
    pub fn rerun(&self) -> Option<(String, String)> {
        if self.webcam {
            return None;
        }
        Some((self.outcome.source.clone(), self.outcome.preview.clone()?))
    }

    /// Whether a preview URL is still shown or waits in an image sent.
    pub(super) fn in_use(&self, url: &str) -> bool {
        let shown =
            [self.outcome.preview.as_deref(), self.outcome.analysis.as_ref().and_then(|a| a.photo_url.as_deref())];
        shown.contains(&Some(url)) || self.sent.values().any(|s| s.preview.as_deref() == Some(url))
    }
}
