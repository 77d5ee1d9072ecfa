"""Text to music: MusicGen writes EnCodec tokens one step at a time, and EnCodec turns them into sound."""

from __future__ import annotations

import streamlit as st

from genai_demo.config import licence_note, public_name, settings
from genai_demo.engine import kinds
from genai_demo.sound import music
from genai_demo.ui import loaders
from genai_demo.ui.charts import show_chart
from genai_demo.ui.classroom.sharing import gallery_button
from genai_demo.ui.layout import page_intro
from genai_demo.ui.sound import player as sound_ui
from genai_demo.ui.sound.text_to_music import TextToMusicState

page = page_intro(
    "text_to_music",
    "MusicGen composes a short clip from a description. Sound is first cut into tokens, a few numbers per "
    "fiftieth of a second, and the model predicts the next token again and again, exactly as a text model "
    "predicts the next word piece. Watch the grid of tokens fill in, then listen.",
)
state = page.state(TextToMusicState)

bundle = loaders.model(kinds.MUSIC)
limits = settings().limits
MODEL_NAME = public_name(bundle.model_id)  # a Hub id, or a local folder by its name only
st.caption(f"Model `{MODEL_NAME}` on {bundle.device.upper()} ({str(bundle.dtype).removeprefix('torch.')}) · "
           f"{bundle.codebooks} codebooks × {bundle.frame_rate} frames per second · "
           f"{licence_note(bundle.model_id)} (GENAI_MUSIC_MODEL picks another)")

prompt = page.text("Describe the music", "prompt", "calm piano over soft rain",
                   min(limits.max_prompt_chars, music.MAX_PROMPT_CHARS), area=False)
left, middle, right = st.columns(3)
with left:
    seconds = page.slider("Length (seconds)", "seconds", music.MIN_SECONDS, limits.max_music_seconds,
                          music.default_seconds(bundle.device), 0.5,
                          help=f"{bundle.frame_rate} frames per second; on a CPU every second takes a while.")
with middle:
    top_k = page.number("Top-k", "top_k", 1, music.MAX_TOP_K, 250, 10,
                        help="Sample only among the k likeliest tokens at each step.")
with right:
    seed = page.seed("Seed", "seed", 0, help="Same seed + same settings = the same clip.")


def knobs(place, suffix: str, guidance: float, temperature: float) -> music.MusicSettings:
    """One column's guidance and temperature; the other settings are shared."""
    guidance_box, temperature_box = place.columns(2) if suffix == "" else (place, place)
    with guidance_box:
        g = page.slider("Guidance", f"guidance{suffix}", 1.0, music.MAX_GUIDANCE, guidance, 0.5,
                        help="How strongly the clip follows the prompt (compared with the model's guess without it).")
    with temperature_box:
        t = page.slider("Temperature", f"temperature{suffix}", *music.TEMPERATURE_RANGE, temperature, 0.05,
                        help="Below 1: safer, more repetitive; above 1: more surprising.")
    return music.MusicSettings(prompt, float(seconds), float(g), float(t), int(top_k), seed)


def compose(request: music.MusicSettings) -> music.Music | None:
    """One clip with its live token grid and place in line; a plain warning for bad input."""
    try:
        checked = music.check_music(request)
        with sound_ui.music_line() as on_wait, sound_ui.live_grid(
                bundle.codebooks, music.frames_for(bundle, checked.seconds), bundle.frame_rate) as on_step:
            return music.compose(bundle, checked, on_step=on_step, on_wait=on_wait)
    except ValueError as error:
        st.warning(str(error), icon=":material/warning:")
        return None


def show(clip: music.Music, key: str) -> None:
    s = clip.settings
    sound_ui.sound_view(clip.samples, clip.sample_rate, music.music_wav(clip, MODEL_NAME),
                        f"music_seed{s.seed}_guidance{s.guidance_scale:g}.wav", key=key)
    show_chart(sound_ui.token_grid_chart(clip.codes, bundle.frame_rate), width="stretch")
    st.caption(f"{clip.audio_s:.1f} s of sound from {clip.codes.size:,} tokens, computed in {clip.compute_s:.1f} s "
               f"({clip.realtime_factor:.2f}× real time).")
    gallery_button("text_to_music", "sound", s, "prompt", MODEL_NAME, lambda: music.music_wav(clip, MODEL_NAME),
                   key=key + "_to_gallery")


one, pair = page.tabs(["One clip", "Side by side"])
with one:
    if one.open:
        request = knobs(st, "", 3.0, 1.0)
        composing = page.action("Compose", "compose", area="output", type="primary", icon=":material/music_note:")
        with composing.area:
            if composing.clicked:
                clip = compose(request)
                if clip is not None:
                    state.clip = clip
            if state.clip is not None:
                show(state.clip, key=page.key("download"))
            else:
                st.info("Press **Compose**. The grid of audio tokens fills in while the model predicts them.")

with pair:
    if pair.open:
        st.markdown("Same prompt, seed, length and top-k; only guidance and temperature differ.")
        columns = st.columns(2)
        requests = [knobs(columns[0], "_a", 1.0, 1.0), knobs(columns[1], "_b", 5.0, 1.0)]
        composing = page.action("Compose both", "pair_go", area="pair_output", icon=":material/compare:")
        with composing.area:
            if composing.clicked:
                a, b = [compose(r) for r in requests]
                if a and b:
                    state.pair = (a, b)
            if state.pair is not None:
                for column, clip, name in zip(st.columns(2), state.pair, "AB"):
                    with column:
                        s = clip.settings
                        st.markdown(f"**{name}**: guidance {s.guidance_scale:g}, temperature {s.temperature:g}")
                        show(clip, key=page.key(f"download_{name}"))

with st.expander("Predict the next token, for sound"):
    st.markdown(
        f"Each column of the grid is one frame, {1000 // bundle.frame_rate} milliseconds of sound, described by "
        f"{bundle.codebooks} tokens from {bundle.codebooks} *codebooks*: the first gives the rough shape of the "
        "sound, each next one corrects what the previous ones missed. At every step the model looks at the prompt "
        "and at all the tokens so far and gives a probability to each possible next token; one is sampled "
        "(temperature and top-k work exactly as on the **Text generation** page), appended, and the step repeats. "
        "MusicGen predicts all codebooks at once, each one a step behind the one above, which is why the grid "
        "fills in as a staircase."
    )
with st.expander("EnCodec: an autoencoder for sound"):
    st.markdown(
        "The tokens come from EnCodec, an autoencoder like the one on the **VAE lab** page: an encoder squeezes "
        f"{bundle.sample_rate:,} samples a second into {bundle.frame_rate} small vectors a second, each vector is "
        "replaced by the number of its nearest entry in a learned codebook, and a decoder turns the numbers back "
        "into a waveform. MusicGen never sees the waveform: it writes the numbers, and EnCodec's decoder plays them."
    )
    st.page_link("pages/vae_lab.py", label="VAE lab: squeeze digits into two numbers and back",
                 icon=":material/blur_on:")
