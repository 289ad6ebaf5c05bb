"""Cheap learners written for landmarking: close re-implementations of the Weka
learners behind OpenML's landmarker qualities, and scikit-learn adapters.

Each learner follows :class:`~metafeatures.learners.base.Learner`; ``landmarking``
names the learners it runs and how it cross-validates them.
"""
