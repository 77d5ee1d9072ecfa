"""Sound: WAV files and pictures of sound, text to speech (VITS) and text to music (MusicGen)."""
