"""imgaug's augmenters that MMAction2's configs name, reimplemented on NumPy, OpenCV and Pillow (imgaug itself is
unmaintained and fails on NumPy 2). `AUGMENTERS` maps imgaug's class names (`iaa.X` and `iaa.pillike.X`) to
them; `Imgaug` builds them from config dicts."""
from vidrun.datasets.pipelines.augmenters.base import Augmenter, Identity, OneOf, Sequential, SomeOf, Sometimes
from vidrun.datasets.pipelines.augmenters.geometric import (Affine, Fliplr, Flipud, Rotate, ShearX, ShearY,
                                                            TranslateX, TranslateY)
from vidrun.datasets.pipelines.augmenters.pixel import (Autocontrast, Cutout, Dropout, EnhanceBrightness,
                                                        EnhanceColor, EnhanceContrast, EnhanceSharpness, Equalize,
                                                        Invert, Posterize, Solarize)

AUGMENTERS: dict[str, type[Augmenter]] = {cls.__name__: cls for cls in (
    Identity, OneOf, Sequential, SomeOf, Sometimes, Affine, Fliplr, Flipud, Rotate, ShearX, ShearY, TranslateX,
    TranslateY, Autocontrast, Cutout, Dropout, EnhanceBrightness, EnhanceColor, EnhanceContrast,
    EnhanceSharpness, Equalize, Invert, Posterize, Solarize)}
AUGMENTERS["Noop"] = Identity
# imgaug's names for the same operations
AUGMENTERS["HorizontalFlip"] = Fliplr
AUGMENTERS["VerticalFlip"] = Flipud
AUGMENTERS["UniformColorQuantizationToNBits"] = Posterize

__all__ = ["AUGMENTERS", "Augmenter", *sorted(AUGMENTERS)]
