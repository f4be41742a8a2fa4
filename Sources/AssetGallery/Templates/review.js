(function () {
  // The review page's buttons: each calls the review server's JSON API (same origin, the page's token), then
  // refreshes that asset's card. <html data-actions-done="N" data-last-result="..."> tells tests an action ended.
  var root = document.documentElement;
  var token = new URLSearchParams(location.search).get('token') || '';
  var done = 0;
  function url(path) { return path + '?token=' + encodeURIComponent(token); }
  function call(method, path, body) {
    var init = { method: method, headers: { 'Accept': 'application/json' } };
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(url(path), init).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error((j.error && j.error.message) || ('HTTP ' + r.status)); }
        return j;
      });
    });
  }
  function finish(result) {
    done += 1;
    root.setAttribute('data-last-result', result);
    root.setAttribute('data-actions-done', String(done));
  }
  function setStatus(actions, text, isError) {
    var s = actions && actions.querySelector('.action-status');
    if (s) { s.textContent = text; s.classList.toggle('error', !!isError); }
  }
  function refreshCard(name) {
    return fetch(url('/api/assets/' + name + '/card')).then(function (r) {
      if (!r.ok) { throw new Error('cannot refresh the card: HTTP ' + r.status); }
      return r.text();
    }).then(function (html) {
      var old = document.querySelector('.actions[data-name="' + name + '"]');
      var section = old && old.closest('section.asset');
      if (!section) { return; }
      var holder = document.createElement('div');
      holder.innerHTML = html;
      var fresh = holder.querySelector('section.asset');
      if (fresh) { section.replaceWith(fresh); }
    });
  }
  function waitForRegeneration(name) {
    return new Promise(function (resolve, reject) {
      function poll() {
        call('GET', '/api/assets/' + name).then(function (a) {
          var g = a.regeneration;
          var actions = document.querySelector('.actions[data-name="' + name + '"]');
          if (g && g.state === 'running') {
            setStatus(actions, 'regenerating: ' + (g.step || 'started'));
            setTimeout(poll, 400);
          } else if (g && g.state === 'failed') {
            reject(new Error(g.message || 'the regeneration failed'));
          } else { resolve(g); }
        }, reject);
      }
      poll();
    });
  }
  function run(button) {
    var actions = button.closest('.actions');
    var name = actions.getAttribute('data-name');
    var action = button.getAttribute('data-action');
    var base = '/api/assets/' + name + '/' + action;
    var work;
    if (action === 'regenerate') {
      work = call('POST', base, { confirm: false }).then(function (plan) {
        if (plan.refusal) { throw new Error(plan.question); }
        if (!window.confirm(plan.question)) { return 'cancelled'; }
        setStatus(actions, 'regenerating…');
        return call('POST', base, { confirm: true }).then(function () { return waitForRegeneration(name); });
      });
    } else if (action === 'pick') {
      var c = button.getAttribute('data-candidate');
      work = call('POST', base, { candidate: c === 'none' ? null : parseInt(c, 10) });
    } else {
      work = call('POST', base, {});
    }
    setStatus(actions, action + '…');
    var buttons = actions.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    work.then(function (outcome) {
      if (outcome === 'cancelled') { return refreshCard(name).then(function () { finish('cancelled ' + action); }); }
      return refreshCard(name).then(function () { finish('ok ' + action); });
    }).catch(function (e) {
      return refreshCard(name).catch(function () { }).then(function () {
        var now = document.querySelector('.actions[data-name="' + name + '"]');
        setStatus(now, e.message, true);
        finish('error ' + action + ': ' + e.message);
      });
    });
  }
  document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('.actions button[data-action]');
    if (button && !button.disabled) { run(button); }
  });
  root.setAttribute('data-review-ready', '1');
})();
