"""Text to speech: a small VITS voice reads a sentence aloud."""

from __future__ import annotations

import streamlit as st

from genai_demo.config import licence_note, public_name, settings
from genai_demo.engine import kinds
from genai_demo.sound import speech
from genai_demo.ui import loaders
from genai_demo.ui.classroom.sharing import gallery_button
from genai_demo.ui.layout import page_intro
from genai_demo.ui.sound import player as sound_ui
from genai_demo.ui.sound.text_to_speech import TextToSpeechState

page = page_intro(
    "text_to_speech",
    "A speech model turns written text into sound. This one, a VITS voice, reads your sentence letter by letter, "
    "decides how long each sound lasts, and produces the whole waveform in one pass, faster than you can say it.",
)
state = page.state(TextToSpeechState)

bundle = loaders.model(kinds.TTS)
MODEL_NAME = public_name(bundle.model_id)  # a Hub id, or a local folder by its name only
st.caption(f"Voice `{MODEL_NAME}` on {bundle.device.upper()} · {bundle.sample_rate:,} samples per second · "
           f"{licence_note(bundle.model_id)} (GENAI_TTS_MODEL picks another)")

text = page.text("Sentence", "text", "Generative models learn patterns from examples and then make something new.",
                 settings().limits.max_speech_chars, height=80)
left, middle, right, last = st.columns(4)
with left:
    rate = page.slider("Speaking rate", "rate", *speech.SPEAKING_RATE_RANGE, 1.0, 0.1,
                       help="Above 1 speaks faster: every sound is predicted shorter.")
with middle:
    noise = page.slider("Noise", "noise", *speech.NOISE_RANGE, 0.667, 0.05,
                        help="Randomness in how each sound is pronounced. 0: flat and robotic; high: shaky.")
with right:
    duration_noise = page.slider("Rhythm noise", "duration_noise", *speech.NOISE_RANGE, 0.8, 0.05,
                                 help="Randomness in how long each sound lasts.")
with last:
    seed = page.seed("Seed", "seed", 0, help="Same seed + same settings = the same recording.")
request = speech.SpeechSettings(text, float(rate), float(noise), float(duration_noise), seed)

speak = page.action("Speak", "speak", area="output", type="primary", icon=":material/record_voice_over:")
if speak.clicked:
    try:
        with speak.area, sound_ui.speech_line() as on_wait, st.spinner("Speaking…"):
            state.speech = speech.speak(bundle, request, on_wait=on_wait)
    except ValueError as error:
        speak.area.warning(str(error), icon=":material/warning:")

result = state.speech
with speak.area:
    if result is None:
        st.info("Press **Speak** to hear the sentence, see its waveform and its spectrogram.")
    else:
        for note in result.read.notes:
            st.info(note, icon=":material/content_cut:")
        sound_ui.sound_view(result.samples, result.sample_rate, speech.speech_wav(result, MODEL_NAME),
                            f"speech_seed{result.settings.seed}.wav", key=page.key("download"))
        gallery_button("text_to_speech", "sound", result.settings, "text", MODEL_NAME,
                       lambda: speech.speech_wav(result, MODEL_NAME), key=page.key("to_gallery"))
        row = st.container(horizontal=True, wrap=True, gap="large")
        row.metric("Sound", f"{result.audio_s:.1f} s", width="content")
        row.metric("Computed in", f"{result.compute_s:.2f} s", width="content")
        row.metric("Real-time factor", f"{result.realtime_factor:.1f}×", width="content",
                   help="Seconds of speech made per second of computing. Above 1: faster than real time.")
        st.subheader("What the model reads")
        sound_ui.character_chips(result.read)

with st.expander("How to read the two pictures"):
    st.markdown(
        "- The **waveform** is the sound itself: how far the loudspeaker moves, sample after sample "
        f"({bundle.sample_rate:,} a second). Words show up as bursts, pauses as flat stretches.\n"
        "- The **spectrogram** cuts the sound into short slices and shows, for each slice, how much energy sits at "
        "each pitch. Bright bands that move up and down are the resonances of a voice that make vowels sound "
        "different; hissing sounds such as *s* light up the top."
    )
with st.expander("How VITS turns letters into sound"):
    st.markdown(
        "1. A text encoder (a small transformer) reads the characters and gives each one a vector.\n"
        "2. A duration predictor guesses how many short frames each character lasts. The speaking rate "
        "stretches or squeezes those guesses; *rhythm noise* makes them vary.\n"
        "3. A *flow* turns random numbers (scaled by *noise*) into a sequence of sound features, shaped by the "
        "characters.\n"
        "4. A vocoder, trained like a GAN against a judge that hears real recordings, turns the features into "
        "the waveform. There is no word-after-word loop, so a sentence takes a fraction of a second."
    )
