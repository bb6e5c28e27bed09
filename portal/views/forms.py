"""What every deform form of the portal shares: Chinese rendering and per-request upload stores."""

import functools
from pathlib import Path

import colander
import deform
from pyramid.i18n import make_localizer

#: Corrected copies of deform 2.0.15 templates, found first: its checkbox and radio choices wrote
#: ``autofocus="False"`` on every choice but the first, and browsers focus (and scroll to) the last.
OUR_TEMPLATES = Path(__file__).parent / "deform_templates"

#: Said after any form error on a form with files: browsers never send a chosen file twice.
CHOOSE_AGAIN = "请重新选择文件（表单出错后，已选择的文件不会保留）"


@functools.cache
def chinese_renderer():
    """deform's templates translated with deform's and colander's own zh_Hans catalogues.

    Installed as deform's default renderer, so every form (the back office's too) says
    “提交的内容有误” whoever is asking, rather than depending on a person's locale setting.
    """
    localizer = make_localizer(
        "zh_Hans",
        [str(Path(deform.__file__).parent / "locale"), str(Path(colander.__file__).parent / "locale")],
    )
    return deform.template.ZPTRendererFactory(
        [str(OUR_TEMPLATES), str(Path(deform.__file__).parent / "templates")],
        translator=localizer.translate,
    )


class UploadStore(dict):
    """deform's temporary upload store for one request only: a file never outlives its request."""

    def preview_url(self, uid):
        return None


def includeme(config):
    deform.Form.set_default_renderer(chinese_renderer())
