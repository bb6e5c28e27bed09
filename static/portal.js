/* The portal's page behaviour, as a file: the Content-Security-Policy allows no inline script and
 * no on…= attribute. deform.js itself runs deform.load() when the page is ready. */
$(function () {
  // The acting-unit switcher in the header submits as soon as another unit is chosen.
  $("select[data-portal-autosubmit]").on("change", function () {
    this.form.submit();
  });
  // Forms that undo something ask first: <form data-portal-confirm="确定…？">.
  $("form[data-portal-confirm]").on("submit", function () {
    return window.confirm($(this).attr("data-portal-confirm"));
  });
  // deform's file inputs (its own template printed an inline script for this).
  $("input[type=file][data-portal-upload]").upload();
});
