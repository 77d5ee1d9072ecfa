"""Infrastructure: where models come from and how they run, apart from any topic.

- `kinds`: every kind of model, one `ModelKind` record each (`model_kind`): its name, label, configured id,
  loader, prefetch group, dtype rule and memory needs; everything below reads them from there.
- `device`: which device and number format (cuda > mps > cpu; a fixed dtype rule).
- `loader`: `load_model(kind)` and the kinds' loaders; `bundles`: what each returns; `errors`: the one error
  type (`ModelUnavailable`) with its plain-language messages.
- `shared`: the process's one copy of each model, inside the memory budget.
- `batching`: the classroom engine that runs every session's work on a text model in one batch.
- `sampling`: the sampling knobs and the math that turns logits into the next token.
- `queue`: a first-in-first-out line for work that runs one at a time (diffusion, sound).
- `remote`: the client for an OpenAI-compatible serving engine that writes text instead (GENAI_TEXT_SERVER).
- `threads`: locks and thread limits shared by the sessions of one process.
- `budget`, `sizes`, `estimates`: the memory budget that keeps the models under GENAI_MEMORY_BUDGET_GB,
  model sizes read from safetensors headers, and what a kind of model will take before it is downloaded.
- `low_precision`: half-size copies of weight files, and when the loaders read half-size files.

Topics import what they need from the module that defines it (`from genai_demo.engine.bundles import
TextModel`). Nothing here imports torch at import time: the home page stays light.
"""
