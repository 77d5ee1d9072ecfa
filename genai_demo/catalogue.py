"""The app's pages in one list: app.py builds the navigation from it, the home page its map."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    """One page of the app: its file, menu label, icon and group, and the words shown about it."""

    file: str  # under pages/
    title: str
    icon: str
    group: str
    summary: str
    try_this: str  # shown on the home page's card and under the page's title
    heading: str = ""  # the page's title when longer than its menu label

    @property
    def page_title(self) -> str:
        return self.heading or self.title


GROUPS = ("Basics", "Language", "Images", "Sound", "Advanced", "Challenges", "Class")

PAGES: tuple[PageInfo, ...] = (
    PageInfo("home.py", "Start here", ":material/home:", "Basics",
             "What generative AI is, and a map of this app.",
             "Start with the Perceptron to meet one neuron, then open Text generation to watch a language model write.",
             heading="Generative AI, hands on"),
    PageInfo("perceptron.py", "Perceptron", ":material/neurology:", "Basics",
             "One artificial neuron deciding whether an email is spam.",
             "Paste an email full of '!!!', let the neuron learn its weights in part 3, then press Train in part 4 to "
             "see which email only a hidden layer gets right.",
             heading="Perceptron: one neuron spots spam"),
    PageInfo("activations.py", "Activations", ":material/show_chart:", "Basics",
             "Step, sigmoid, ReLU, tanh and GELU on one chart.",
             "Drag the input below 0: ReLU goes flat at 0 while GELU dips just under it.",
             heading="Activation functions"),
    PageInfo("training_playground.py", "Training playground", ":material/model_training:", "Basics",
             "Layers of neurons learning to separate points, live.",
             "Load the 'overfit' preset, train it, and watch validation loss climb while training loss keeps falling.",
             heading="Training playground: layers of neurons, learning live"),
    PageInfo("training_vs_generation.py", "Training vs generation", ":material/school:", "Basics",
             "Train a tiny model on a text, then let it write.",
             "Train on the nursery rhymes, then compare the sample at step 0 with the one at step 500.",
             heading="Training vs generation, in miniature"),
    PageInfo("tokenizer.py", "Tokenizer", ":material/token:", "Language",
             "How text becomes the numbered pieces a model reads.",
             "Pick the emoji example: one robot becomes several tokens, each holding some of its bytes.",
             heading="Tokenizer"),
    PageInfo("text_generation.py", "Text generation", ":material/edit_note:", "Language",
             "A language model writing with temperature, top-k and top-p, side by side.",
             "Run the same prompt at temperature 0.2 and 1.5, side by side, then open the step-by-step tab and build a "
             "sentence yourself.",
             heading="Text generation"),
    PageInfo("how_llms_work.py", "How ChatGPT answers", ":material/hub:", "Language",
             "Tokens, attention, the transformer drawn from the real model, and the next-word guess, step by step.",
             "Open **Attention** and see which words ' today' reads from in layer 5; then open **Reach** to see how "
             "far back each layer looks over a whole passage.",
             heading="How ChatGPT answers"),
    PageInfo("embeddings.py", "Embeddings", ":material/scatter_plot:", "Language",
             "Sentences as vectors: similarity, a map, semantic search.",
             "Add the line `animals: A kitten is playing with a ball of wool.` and find it on the **Map** tab; then "
             "search the library for *a lower setting makes the output more predictable*.",
             heading="Embeddings: meaning as vectors"),
    PageInfo("chat.py", "Chat", ":material/chat:", "Language",
             "Talk to a small instruction-tuned model and see what it really reads.",
             "Turn on 'Show what the model reads', send a message, and find your words inside the template.",
             heading="Chat"),
    PageInfo("prompting.py", "Prompting", ":material/lightbulb:", "Language",
             "Zero-shot, few-shot and templates compared on one task.",
             "Pick the spam task, score all three styles, then switch to the chat model and score again.",
             heading="Prompting"),
    PageInfo("image_generation.py", "Image generation", ":material/image:", "Images",
             "Stable Diffusion turning noise into a picture, step by step.",
             "Generate once, then open **Comparison grid** and vary the seed: same prompt, different pictures.",
             heading="Image generation"),
    PageInfo("gan_lab.py", "GAN lab", ":material/swords:", "Images",
             "A generator and a discriminator competing, on points and on digits, trained live.",
             "Train the ring for 500 steps, then switch to Digit images and press Play: noise turns into digits in "
             "under a minute. The 'mode collapse' preset draws one digit over and over.",
             heading="GAN lab: a forger against a detective"),
    PageInfo("vae_lab.py", "VAE lab", ":material/blur_on:", "Images",
             "Handwritten digits squeezed into two numbers and back.",
             "Train for 1000 steps, then drag the sliders slowly from the 0s to the 1s and watch one digit morph into "
             "another.",
             heading="VAE lab: squeeze a digit into two numbers"),
    PageInfo("text_to_speech.py", "Text to speech", ":material/record_voice_over:", "Sound",
             "A small voice model reads your sentence aloud.",
             "Say the same sentence at speaking rate 0.7 and 1.5, then raise the noise and listen to the voice "
             "wobble."),
    PageInfo("text_to_music.py", "Text to music", ":material/music_note:", "Sound",
             "MusicGen composes a clip token by token while you watch the grid fill in.",
             "Compose “calm piano over soft rain”, then compare guidance 1 and 5 side by side with the same seed."),
    PageInfo("model_families.py", "Model families", ":material/category:", "Advanced",
             "LLMs, GANs, VAEs and diffusion side by side.",
             "Read the 'How it learns' row across all four, then open the GAN lab and the VAE lab to watch two of them "
             "train in seconds.",
             heading="Model families: four ways to make something new"),
    PageInfo("fine_tuning.py", "Fine-tuning", ":material/tune:", "Advanced",
             "Teach a language model a style with your own text, then compare.",
             "Fine-tune on the recipes (the text already loaded), then compare what both models write after 'Apple "
             "crumble. Preheat the'.",
             heading="Fine-tuning"),
    PageInfo("rlhf.py", "RLHF", ":material/thumb_up:", "Advanced",
             "Your preferences train a reward model, steer the output, then change the model with DPO.",
             "Let the simulated labeller prefer shorter answers, train the reward model, compare best-of-4 with plain "
             "sampling, then train DPO and compare the base with the copy.",
             heading="RLHF: learning from your preferences"),
    PageInfo("bias.py", "Bias", ":material/balance:", "Challenges",
             "The same sentence about different people, and what the model expects next.",
             "Compare the bars for 'The man worked as a' and 'The woman worked as a', then pick **Your own template** "
             "and try nurse and surgeon.",
             heading="Bias: unfair data, unfair output"),
    PageInfo("made_up_facts.py", "Made-up facts", ":material/report:", "Challenges",
             "Confident and wrong: answers to known questions, with and without retrieved context.",
             "Find a red dot far to the right (wrong but sure), then turn on retrieved context and see whether it "
             "turns green.",
             heading="Made-up facts: fluent is not true"),
    PageInfo("overfitting.py", "Overfitting", ":material/content_copy:", "Challenges",
             "A copy of the model trained on one tiny text until it can only repeat it.",
             "Press **Overfit a copy of the model**, then compare what the copy writes after 'My favourite food is' "
             "with the base model.",
             heading="Overfitting: it can only repeat"),
    PageInfo("applications.py", "Applications", ":material/apps:", "Challenges",
             "Where generative AI is used, and what this app can show live.",
             "Pick **Video** and follow the link to make a short clip from two seeds.",
             heading="Applications: where generative AI is used"),
    PageInfo("tools_and_systems.py", "Tools and systems", ":material/build:", "Challenges",
             "OpenAI, Hugging Face, LangChain, Stable Diffusion and friends.",
             "Pick **LangChain** and see which page does what it does.",
             heading="Tools and real-world systems"),
    PageInfo("class_room.py", "Class", ":material/co_present:", "Class",
             "The whole room's texts, guesses, votes and pictures on the projector, live.",
             "Start a class, put the page on the projector, and let everyone generate the class prompt at their own "
             "temperature: watch the chart fill as the texts arrive.",
             heading="Class: the whole room, live"),
)


def page_info(page: str) -> PageInfo:
    """The catalogue entry of a page, by its file name without .py."""
    for info in PAGES:
        if info.file == f"{page}.py":
            return info
    raise KeyError(f"No page '{page}' in the catalogue")
