(function () {
  var root = document.documentElement, list = [];
  function note(text) { list.push(text); root.setAttribute('data-errors', String(list.length)); root.setAttribute('data-error-list', list.join(' | ')); }
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && t.tagName) { note('cannot load ' + (t.currentSrc || t.src || t.href || t.tagName)); }
    else { note(String(e.message || 'script error')); }
  }, true);
  window.addEventListener('load', function () {
    var ok = 0, broken = 0;
    for (var i = 0; i < document.images.length; i++) {
      var img = document.images[i];
      if (img.complete) { if (img.naturalWidth > 0) { ok++; } else { broken++; } }
    }
    root.setAttribute('data-images-loaded', String(ok));
    root.setAttribute('data-images-broken', String(broken));
  });
})();
