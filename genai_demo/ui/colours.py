"""The app's colours, named by what they show, so a chart, a diagram and its caption agree on them.

Plain hex strings, usable in Altair charts, SVG, Graphviz and CSS alike. Nothing here imports Streamlit,
so topic code outside ui/ may use them too.
"""

# --- shared hues -----------------------------------------------------------------------------------
# Vega's own category colours ("tableau10"), in its order: what a chart uses when it names none.
SERIES = ("#4c78a8", "#f58518", "#e45756", "#54a24b", "#b279a2")
STEEL_BLUE, ORANGE, SOFT_RED = SERIES[:3]
# D3's category colours ("category10"): its blue, orange and red.
BLUE, BRIGHT_ORANGE, RED = "#1f77b4", "#ff7f0e", "#d62728"
SLATE = "#2c3e50"
WHITE = "#ffffff"
INK = "#31333f"  # Streamlit's text colour, for text drawn in SVG
BAR_LABEL, MAP_LABEL = "#333", "#555"  # a number written beside a bar, a name written over a map

# --- language models -------------------------------------------------------------------------------
# Next-token bars: what the knobs keep, the model's own probability, and what the knobs cut off.
KEPT, MODEL, CUT = STEEL_BLUE, "#9ecae9", "#c7c7c7"
# Generated text in HTML: the prompt before it, a note above it, text on a shaded token, the legend.
PROMPT_TEXT, NOTE_TEXT, SHADED_TEXT, LEGEND_TEXT = "#888", "#777", "#111", "#666"
# How an LLM works: the residual stream, attention within the character model's window, attention links.
STREAM, NEAR, ATTENTION_LINK = STEEL_BLUE, ORANGE, BLUE
# The architecture diagram (Graphviz): boxes, the dashed block outline and position link, the two sublayers.
BOX_FILL, BOX_BORDER, DASHED = "#eef3fb", "#9db4d6", "#888888"
ATTENTION_FILL, ATTENTION_BORDER = "#fde7d2", "#f0a868"
MLP_FILL, MLP_BORDER = "#dcefd9", "#7fbf7b"

# --- tokens ----------------------------------------------------------------------------------------
# Chip backgrounds: soft, with dark text, so they read on light and dark themes and on a projector.
TOKEN_CHIPS = ("#fde68a", "#bfdbfe", "#bbf7d0", "#fecaca", "#ddd6fe", "#fed7aa", "#a5f3fc", "#f5d0fe")
CHIP_TEXT = "#111827"
MUTED = "#6b7280"  # a cut or special chip's dashed border, the id under a chip
PALE_GREY = "#e5e7eb"  # a special token's chip; a music token not generated yet
MARKED = "#dc2626"  # the outline of a chip the page points at

# --- right and wrong, more and less ----------------------------------------------------------------
CORRECT, WRONG = "#2e9e4f", RED
PULLS_TOGETHER, PUSHES_APART = BLUE, RED  # a dimension's share of a cosine similarity
ROSE, FELL = "#2e7d32", "#c62828"  # a token's probability after fine-tuning
CHOSEN, DROPPED = "#1565c0", "#b0bec5"  # best-of-n: the candidate the reward model keeps, the others

# --- neural networks -------------------------------------------------------------------------------
# The playground's two classes are BLUE and ORANGE; a map of its output from 0 through 0.5 to 1 (or more).
OUTPUT_MAP = (BLUE, "#f4f4f4", ORANGE)
# A hidden neuron's map: its most negative output, 0, its most positive.
NEURON_MAP = ("#542788", "#f7f7f7", "#e08214")
# The neuron diagram: arrows for positive and negative weights, the input boxes, the neuron.
POSITIVE_WEIGHT, NEGATIVE_WEIGHT = SLATE, "#c0392b"
INPUT_FILL, NEURON_FILL = BOX_FILL, "#fde9d9"
# Loss curves: the training loss, and the line it is compared with (validation loss, blind guessing).
TRAINING_LOSS, COMPARED_LOSS = SLATE, SOFT_RED
# The GAN lab: real data and the generator's output (the discriminator's map fades through white).
REAL, FAKE = "#2e8b57", "#8e44ad"
PUSH = "#222"  # the arrows showing where the generator's loss pushes its points
# The VAE lab's two losses.
RECONSTRUCTION, KL = BLUE, BRIGHT_ORANGE

# --- sound and page furniture ----------------------------------------------------------------------
WAVEFORM = "#2563eb"
LINK_HOVER = "#3b5bdb"

# The Class page: a learner's card on the projector.
CARD_BORDER = "rgba(49, 51, 63, 0.2)"  # Streamlit's own bordered container
