(function () {
  var body = document.body, buttons = document.querySelectorAll('.filters button');
  var sections = document.querySelectorAll('section.asset');
  function apply(filter) {
    body.setAttribute('data-filter', filter);
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute('aria-pressed', buttons[i].getAttribute('data-filter') === filter ? 'true' : 'false');
    }
    var shown = 0;
    for (var j = 0; j < sections.length; j++) { if (sections[j].offsetParent !== null || getComputedStyle(sections[j]).display !== 'none') { shown++; } }
    body.classList.toggle('nothing-shown', sections.length > 0 && shown === 0);
  }
  var start = body.getAttribute('data-filter') || 'all';
  var hash = (location.hash || '').slice(1);
  if (hash === 'all' || hash === 'changed' || hash === 'failed') { start = hash; }
  for (var k = 0; k < buttons.length; k++) {
    buttons[k].addEventListener('click', function (e) {
      var f = e.currentTarget.getAttribute('data-filter');
      apply(f);
      try { history.replaceState(null, '', '#' + f); } catch (ignored) { }
    });
  }
  apply(start);
  document.documentElement.setAttribute('data-ready', '1');
})();
