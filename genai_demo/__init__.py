"""genai_demo: generative AI on real models. Topic code by modality (text, search, images, sound, nets, tuning,
challenges), the infrastructure they share in engine/, and the Streamlit views in ui/."""
