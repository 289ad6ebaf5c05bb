"""metafeatures: describe a tabular dataset by meta-features, OpenML-compatible.

>>> from metafeatures import extract
>>> mf = extract("sklearn:iris", groups="general")
>>> mf["NumberOfInstances"], mf["NumberOfFeatures"]
(150.0, 5.0)

Groups (``group_names()``): general, statistical, info-theory, landmarking, model-based.
Where OpenML defines a data quality, the meta-feature has OpenML's name and definition;
see ``docs/metafeatures.md``.
"""

from metafeatures.context import DEFAULT_MAX_ROWS, DatasetContext
from metafeatures.extractor import (EXTRACTOR_VERSION, OPENML_ENGINES, STORE_ENGINE, MetaFeatureExtractor,
                                    engine_version, extract, extract_dataset)
from metafeatures.registry import (MetaFeatureGroup, MetaFeatureWarning, all_groups, get_group,
                                   group_names)

__all__ = ["extract", "extract_dataset", "MetaFeatureExtractor", "group_names", "get_group",
           "all_groups", "MetaFeatureGroup", "MetaFeatureWarning", "DatasetContext",
           "DEFAULT_MAX_ROWS", "EXTRACTOR_VERSION", "OPENML_ENGINES", "STORE_ENGINE",
           "engine_version"]
