"""督查 (supervision), 昌府办字〔2024〕52号 (三)(三): the 区司法局 holds every unit to its duties.

* :mod:`.figures` — what each flow counts (``config.add_figures``) and the counters the indexer
  keeps from the catalog's ``figures`` index;
* :mod:`.periods` — the month, quarter, half-year, year or from–to a page is about;
* :mod:`.overview` — one row per unit with its figures, its yellow and red warnings and its
  warning rate; the items behind any figure;
* :mod:`.views` — the overview page (``@@supervision``), the list behind a figure
  (``@@supervision-items``) and the threshold the supervisor sets;
* :mod:`.scoring` — the evaluation standard (考核评分标准) with its versions, each unit's score and
  ranks; :mod:`.standard` its edit page, :mod:`.scorecards` a unit's scorecard and the ranking;
* :mod:`.exports` — files made in the background (:mod:`.workbook`: Excel, :mod:`.report`: the
  Word report per GB/T 9704), :mod:`.export_views` their pages.

Who may open them is the policy's (``policies/supervision.csv``, ``policies/scorecard.csv``): the
区司法局's supervisors and the portal admin; a unit's own members see their unit's scorecard.
"""

from .figures import Measure, add_figures  # noqa: F401 (for the flows)


def supervision_link(request):
    if request.login is None or not request.permits(request.root, "view:supervision"):
        return None
    return request.application_url + "/@@supervision"


def includeme(config):
    config.add_directive("add_figures", add_figures)
    config.add_nav_link(50, "督查", supervision_link)
    from .scorecards import scorecard_link

    config.add_nav_link(51, "考核评分", scorecard_link)
    config.scan(".views")
    config.scan(".scorecards")
    config.scan(".standard")
    config.scan(".export_views")
