/* An export's progress page (portal/supervision/templates/export.pt): asks the export's status
 * every second until it is done or failed, then shows the download link or the error. A file,
 * not an inline script: the Content-Security-Policy allows none. */
$(function () {
  var box = $("#export-progress");
  if (!box.length) {
    return;
  }
  var url = box.attr("data-status-url");
  var failures = 0;

  function show(state) {
    $("#export-status").text(state.status_title);
    $("#export-step").text(state.status === "queued" || state.status === "running" ? state.step : "");
    $("#export-bar").attr("value", state.percent).text(state.percent + "%");
    $("#export-percent").text(state.percent + "%");
    box.attr("data-status", state.status);
    if (state.error) {
      $("#export-error").text(state.error).prop("hidden", false);
    }
    if (state.download) {
      $("#export-download").attr("href", state.download);
      $("#export-ready").prop("hidden", false);
    }
  }

  function ask() {
    $.ajax({ url: url, dataType: "json", cache: false })
      .done(function (state) {
        failures = 0;
        show(state);
        if (state.status !== "done" && state.status !== "failed") {
          window.setTimeout(ask, 1000);
        }
      })
      .fail(function () {
        failures += 1;
        if (failures < 10) {
          window.setTimeout(ask, 2000);
        } else {
          $("#export-error").text("无法获取导出进度，请刷新本页").prop("hidden", false);
        }
      });
  }

  var status = box.attr("data-status");
  if (status !== "done" && status !== "failed") {
    ask();
  }
});
