// The kiosk page: renders the visit view the booth streams (server-sent events), sends the
// expert's choices to the kiosk API, draws the live camera box and the live ink. It holds no
// state of its own beyond the language: a reload shows the same screen. It never receives
// roster data; after verification, only the expert's own masked name and projects.
/* global Image */
(function () {
  'use strict';
  const TEXT = window.KIOSK_TEXT;
  let lang = localStorage.getItem('kiosk.lang') === 'en' ? 'en' : 'zh-CN';
  let view = null;
  let frame = null;
  let inkPoints = [];
  let previewTimer = null;
  let toastTimer = null;
  let pendingAction = null; // 'dissent' | 'refuse' while the reason box is open

  const $ = (sel) => document.querySelector(sel);
  const $$ = (sel) => Array.from(document.querySelectorAll(sel));

  function t(key, vars) {
    let s = TEXT[lang][key] ?? TEXT['zh-CN'][key] ?? key;
    for (const [k, v] of Object.entries(vars ?? {})) s = s.replace(`{${k}}`, String(v));
    return s;
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    for (const el of $$('[data-t]')) el.textContent = t(el.dataset.t);
    $('#lang').textContent = t('lang.switch');
    if (view) render(view);
  }

  function formatTime(ms) {
    const d = new Date(ms);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function projectOf(v, id) {
    return v.expert?.projects.find((p) => p.id === id) ?? null;
  }

  function projectTitle(v) {
    const p = projectOf(v, v.choice?.projectId ?? v.projectId ?? v.receipt?.projectId);
    return p ? `${p.name} · ${p.section}` : '';
  }

  // ---- API ----

  async function call(path, body) {
    try {
      const res = await fetch(`/api/kiosk/${path}`, {
        method: 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await res.json().catch(() => ({}));
      if (!res.ok) {
        showError(json);
        return null;
      }
      render(json);
      return json;
    } catch {
      toast(t('conn.lost'));
      return null;
    }
  }

  function showError(e) {
    const refusal = e?.details?.refusal;
    const key = refusal ? `${e.messageKey}.${refusal}` : e?.messageKey;
    const known = key && (TEXT[lang][key] || TEXT['zh-CN'][key]);
    toast(known ? t(key) : e?.messageKey && TEXT['zh-CN'][e.messageKey] ? t(e.messageKey) : t('error.unknown'));
  }

  function toast(message) {
    const el = $('#toast');
    el.textContent = message;
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (el.hidden = true), 5000);
  }

  // ---- rendering ----

  function render(v) {
    if (view && typeof v.seq === 'number' && v.seq < view.seq) return; // an older view arrived late
    const screenChanged = !view || view.screen !== v.screen;
    view = v;
    document.body.dataset.screen = v.screen;
    document.body.classList.toggle('paused', v.paused);
    if (screenChanged) onScreen(v.screen);
    $('#consent-version').textContent = v.consentVersion;
    $('#attempts-left').textContent = String(v.attemptsLeft);
    for (const el of $$('.attempts-left')) el.textContent = String(v.attemptsLeft);
    for (const el of $$('.project-title')) el.textContent = projectTitle(v);
    renderPrompt(v);
    if (v.screen === 'projects') renderProjects(v);
    if (v.screen === 'signing') $('#sign-problems').textContent = v.problems.map((p) => t(`s.${p}`)).join('；');
    if (v.screen === 'confirm' && v.choice) {
      $('#confirm-action').textContent = t(`act.${v.choice.action}`);
      $('#confirm-reason').textContent = v.choice.reason;
      $('#confirm-reason-row').hidden = !v.choice.reason;
      const img = $('#confirm-ink');
      img.hidden = v.choice.action === 'refuse';
      if (!img.hidden) img.src = $('#ink').toDataURL('image/png');
    }
    if (v.screen === 'rejected' && v.rejectedReason) {
      const r = t(`r.${v.rejectedReason}`);
      $('section[data-for="rejected"] .lead').textContent = `${r}。${t('rejected.lead')}`;
    }
    if (v.screen === 'receipt' && v.receipt) {
      $('#receipt-action').textContent = t(`act.${v.receipt.action}`);
      $('#receipt-time').textContent = formatTime(v.receipt.at);
      $('#receipt-record').textContent = v.receipt.recordId;
    }
    if (v.screen === 'failed') $('#failed-code').textContent = v.failedCode ?? '';
    if (v.screen === 'projects' && v.expert) $('#expert-name').textContent = `${v.expert.maskedName} 专家`;
    renderCountdown();
  }

  function onScreen(screen) {
    window.scrollTo(0, 0);
    $('#toast').hidden = true;
    pendingAction = null;
    $('#reason-box').hidden = true;
    document.querySelector('section[data-for="action"]').classList.remove('asking');
    $('#override-form').hidden = true;
    for (const f of $$('form')) f.reset();
    if (screen === 'capture') startPreview();
    else stopPreview();
    if (screen === 'signing') clearInk();
    if (screen === 'idle') loadSession();
    const focus = document.querySelector(
      `section[data-for="${screen}"] button.primary, section[data-for="${screen}"] input`,
    );
    focus?.focus({ preventScroll: true });
  }

  function renderPrompt(v) {
    if (v.screen !== 'capture') return;
    $('#prompt').textContent = v.paused ? t('capture.paused') : v.prompt ? t(`q.${v.prompt}`) : t('capture.looking');
  }

  function renderProjects(v) {
    const list = $('#project-list');
    list.replaceChildren();
    for (const p of v.expert?.projects ?? []) {
      const li = document.createElement('li');
      const info = document.createElement('div');
      const name = document.createElement('div');
      name.className = 'name';
      name.textContent = `${p.name} · ${p.section}`;
      const meta = document.createElement('div');
      meta.className = 'meta';
      meta.textContent = `${t('projects.seat')} ${p.seat} · ${t('projects.scheduled')} ${formatTime(p.scheduledSignIn)}`;
      info.append(name, meta);
      li.append(info);
      if (p.done) {
        const done = document.createElement('span');
        done.className = 'done';
        done.textContent = `✓ ${t('projects.done')}`;
        const override = document.createElement('button');
        override.type = 'button';
        override.className = 'link';
        override.textContent = t('projects.override');
        override.addEventListener('click', () => openOverride(p.id));
        li.append(done, override);
      } else {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'primary big';
        b.textContent = t('projects.sign');
        b.dataset.project = p.id;
        b.addEventListener('click', () => call('project', { projectId: p.id }));
        li.append(b);
      }
      list.append(li);
    }
  }

  function openOverride(projectId) {
    const form = $('#override-form');
    form.hidden = false;
    form.elements.projectId.value = projectId;
    form.elements.staffId.focus();
  }

  function renderCountdown() {
    const el = $('#countdown');
    if (!view || view.remainingMs === null || view.screen === 'idle') {
      el.textContent = '';
      return;
    }
    const s = Math.ceil(view.remainingMs / 1000);
    el.textContent = s <= 30 ? t('countdown', { s }) : '';
  }

  // Counts down locally between server events (the server's deadline is the truth).
  setInterval(() => {
    if (view && view.remainingMs !== null) {
      view.remainingMs = Math.max(0, view.remainingMs - 1000);
      renderCountdown();
    }
  }, 1000);

  // ---- camera preview and face box ----

  function startPreview() {
    stopPreview();
    const img = $('#preview');
    const tick = () => {
      const next = new Image();
      next.onload = () => {
        img.src = next.src;
        previewTimer = setTimeout(tick, 150);
      };
      next.onerror = () => (previewTimer = setTimeout(tick, 300));
      next.src = `/api/kiosk/preview.jpg?t=${Date.now()}`;
    };
    tick();
  }

  function stopPreview() {
    clearTimeout(previewTimer);
    previewTimer = null;
    frame = null;
    $('#facebox').style.display = 'none';
    $('#preview').removeAttribute('src');
  }

  function drawBox() {
    const box = $('#facebox');
    if (!frame || !frame.box) {
      box.style.display = 'none';
      return;
    }
    const cam = $('.camera');
    const sx = cam.clientWidth / frame.width;
    const sy = cam.clientHeight / frame.height;
    box.style.display = 'block';
    box.style.left = `${frame.box.x1 * sx}px`;
    box.style.top = `${frame.box.y1 * sy}px`;
    box.style.width = `${(frame.box.x2 - frame.box.x1) * sx}px`;
    box.style.height = `${(frame.box.y2 - frame.box.y1) * sy}px`;
  }

  // ---- live ink ----

  function clearInk() {
    inkPoints = [];
    const c = $('#ink');
    const g = c.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, c.width, c.height);
    g.strokeStyle = '#ddd';
    g.lineWidth = 2;
    g.beginPath();
    g.moveTo(40, c.height - 70);
    g.lineTo(c.width - 40, c.height - 70);
    g.stroke();
  }

  function addInk(points) {
    const c = $('#ink');
    const g = c.getContext('2d');
    g.strokeStyle = '#0b1f33';
    g.lineWidth = 4;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    for (const p of points) {
      const last = inkPoints[inkPoints.length - 1];
      if (p.down && last && last.down) {
        g.beginPath();
        g.moveTo(last.x * c.width, last.y * c.height);
        g.lineTo(p.x * c.width, p.y * c.height);
        g.stroke();
      }
      inkPoints.push(p);
    }
  }

  // ---- session note on the idle screen ----

  async function loadSession() {
    try {
      const s = await (await fetch('/api/kiosk/session')).json();
      $('#place').textContent = s.installed ? `${s.centre} · ${s.hall} · ${s.date}` : '';
      const note = $('#session-note');
      if (!s.installed) note.textContent = t('idle.none');
      else if (s.sealed) note.textContent = t('idle.sealed', { time: formatTime(Date.parse(s.unlockAt)) });
      else note.textContent = '';
      $('#begin').disabled = !s.installed || s.sealed;
    } catch {
      // the event stream reports a lost connection
    }
  }

  // ---- events from the booth ----

  function connect() {
    const es = new EventSource('/api/kiosk/events');
    // A (re)connected stream may come from a restarted booth whose numbering starts again.
    es.onopen = () => {
      view = null;
    };
    es.addEventListener('view', (e) => {
      $('#conn').textContent = '';
      render(JSON.parse(e.data).view);
    });
    es.addEventListener('frame', (e) => {
      frame = JSON.parse(e.data);
      drawBox();
    });
    es.addEventListener('ink', (e) => addInk(JSON.parse(e.data).points));
    es.addEventListener('clear', () => clearInk());
    es.onerror = () => {
      $('#conn').textContent = t('conn.lost');
    };
  }

  // ---- controls ----

  $('#lang').addEventListener('click', () => {
    lang = lang === 'en' ? 'zh-CN' : 'en';
    localStorage.setItem('kiosk.lang', lang);
    applyLanguage();
    if (view?.screen === 'idle') loadSession();
  });
  $('#begin').addEventListener('click', () => call('begin'));
  $('#consent-yes').addEventListener('click', () => call('consent', { accepted: true, version: view.consentVersion }));
  $('#consent-no').addEventListener('click', () => call('consent', { accepted: false, version: view.consentVersion }));
  for (const b of $$('[data-act]')) b.addEventListener('click', () => call(b.dataset.act));

  $('#act-sign').addEventListener('click', () => call('action', { action: 'sign', reason: '' }));
  const askReason = (action) => {
    pendingAction = action;
    $('#reason-label').textContent = t(action === 'dissent' ? 'action.dissentReason' : 'action.refuseReason');
    $('#reason-box').hidden = false;
    // The reason box replaces the three choices, so its buttons stay on screen.
    document.querySelector('section[data-for="action"]').classList.add('asking');
    $('#reason').value = '';
    $('#reason').focus();
  };
  $('#act-dissent').addEventListener('click', () => askReason('dissent'));
  $('#act-refuse').addEventListener('click', () => askReason('refuse'));
  $('#reason-cancel').addEventListener('click', () => {
    pendingAction = null;
    $('#reason-box').hidden = true;
    document.querySelector('section[data-for="action"]').classList.remove('asking');
  });
  $('#reason-go').addEventListener('click', () => {
    if (pendingAction) call('action', { action: pendingAction, reason: $('#reason').value });
  });

  $('#witness-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target.elements;
    call('witness', { staffId: f.staffId.value, pin: f.pin.value, idNumber: f.idNumber.value.replace(/\s+/g, '') });
  });
  $('#override-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const v = await call('override', { staffId: f.staffId.value, pin: f.pin.value, projectId: f.projectId.value });
    if (v) $('#override-form').hidden = true;
  });
  $('#override-cancel').addEventListener('click', () => ($('#override-form').hidden = true));
  window.addEventListener('resize', drawBox);

  // The idle screen follows the session (a new package, the unlock time passing).
  setInterval(() => {
    if (!view || view.screen === 'idle') loadSession();
  }, 30_000);

  applyLanguage();
  loadSession();
  connect();
})();
