"""The app's pages in one list: app.py builds the navigation from it, the home page its map."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    file: str  # under pages/
    title: str
    icon: str
    group: str
    summary: str
    try_this: str


GROUPS = ("Basics", "Language", "Images", "Sound", "Advanced", "Challenges")

PAGES: tuple[PageInfo, ...] = (
    PageInfo("home.py", "Start here", ":material/home:", "Basics",
             "What generative AI is, and a map of this app.", "Pick any card below."),
    PageInfo("perceptron.py", "Perceptron", ":material/neurology:", "Basics",
             "One artificial neuron deciding whether an email is spam.",
             "Paste an email full of '!!!' and watch the weighted sum."),
    PageInfo("activations.py", "Activations", ":material/show_chart:", "Basics",
             "Step, sigmoid, ReLU, tanh and GELU on one chart.",
             "Move the input to 0.7 and read sigmoid's answer."),
    PageInfo("training_playground.py", "Training playground", ":material/model_training:", "Basics",
             "Layers of neurons learning to separate points, live.",
             "Load the 'overfit' preset and watch validation loss climb."),
    PageInfo("training_vs_generation.py", "Training vs generation", ":material/school:", "Basics",
             "Train a tiny model on a text, then let it write.",
             "Train on the nursery rhymes; compare the samples at step 0 and step 500."),
    PageInfo("tokenizer.py", "Tokenizer", ":material/token:", "Language",
             "How text becomes the numbered pieces a model reads.",
             "Type an emoji and see it split into byte pieces."),
    PageInfo("text_generation.py", "Text generation", ":material/edit_note:", "Language",
             "GPT-2 writing with temperature, top-k and top-p, side by side.",
             "Run the same prompt at temperature 0.2 and 1.5."),
    PageInfo("how_llms_work.py", "How ChatGPT answers", ":material/hub:", "Language",
             "Tokens, attention and the next-word guess, step by step.",
             "Look at which words 'today' attends to."),
    PageInfo("embeddings.py", "Embeddings", ":material/scatter_plot:", "Language",
             "Sentences as vectors: similarity, a map, semantic search.",
             "Search for 'how do images get made from noise'."),
    PageInfo("chat.py", "Chat", ":material/chat:", "Language",
             "Talk to a small instruction-tuned model and see what it really reads.",
             "Turn on 'show the template' and send a message."),
    PageInfo("prompting.py", "Prompting", ":material/lightbulb:", "Language",
             "Zero-shot, few-shot and templates compared on one task.",
             "Compare the scores of the three prompt styles."),
    PageInfo("image_generation.py", "Image generation", ":material/image:", "Images",
             "Stable Diffusion turning noise into a picture, step by step.",
             "Generate a grid of four seeds for one prompt."),
    PageInfo("gan_lab.py", "GAN lab", ":material/swords:", "Images",
             "A generator and a discriminator competing, trained live.",
             "Train on the ring, then try the mode-collapse preset."),
    PageInfo("vae_lab.py", "VAE lab", ":material/blur_on:", "Images",
             "Handwritten digits squeezed into two numbers and back.",
             "Drag through the latent map and watch a 3 turn into an 8."),
    PageInfo("text_to_speech.py", "Text to speech", ":material/record_voice_over:", "Sound",
             "A small voice model reads your sentence aloud, faster than real time.",
             "Say one sentence at speaking rate 0.7 and 1.5."),
    PageInfo("text_to_music.py", "Text to music", ":material/music_note:", "Sound",
             "MusicGen composes a clip token by token while you watch the grid fill in.",
             "Compose 'calm piano over soft rain'."),
    PageInfo("model_families.py", "Model families", ":material/category:", "Advanced",
             "LLMs, GANs, VAEs and diffusion side by side.", "Compare how each family is trained."),
    PageInfo("fine_tuning.py", "Fine-tuning", ":material/tune:", "Advanced",
             "Teach GPT-2 a style with your own text, then compare.",
             "Fine-tune on recipes and prompt 'Preheat the'."),
    PageInfo("rlhf.py", "RLHF", ":material/thumb_up:", "Advanced",
             "Your preferences train a reward model that steers the output.",
             "Prefer the shorter answers five times, then sample."),
    PageInfo("challenges.py", "Challenges", ":material/warning:", "Challenges",
             "Bias, made-up facts and overfitting, measured on real models.",
             "Compare 'The man worked as a' with 'The woman worked as a'."),
    PageInfo("applications.py", "Applications", ":material/apps:", "Challenges",
             "Where generative AI is used, and what this app can show live.", "Open the video example."),
    PageInfo("tools_and_systems.py", "Tools and systems", ":material/build:", "Challenges",
             "OpenAI, Hugging Face, LangChain, Stable Diffusion and friends.",
             "Find which page shows what LangChain does."),
)
