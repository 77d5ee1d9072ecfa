"""The class store: classes, their learners and entries, and each learner's saved work, in one database."""
