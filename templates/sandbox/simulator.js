// Served at /sandbox/simulator.js (no inline script: the page's CSP allows 'self' only).
(() => {
  const log = document.getElementById('log'), quick = document.getElementById('quick');
  const hex = n => Array.from(crypto.getRandomValues(new Uint8Array(n)), b => b.toString(16).padStart(2, '0')).join('');
  let user = localStorage.getItem('sandboxUser') || ('U' + hex(16));
  let after = 0;
  localStorage.setItem('sandboxUser', user);
  document.getElementById('uid').textContent = user;

  function add(cls, text) {
    const div = document.createElement('div');
    div.className = 'msg ' + cls; div.textContent = text;
    log.appendChild(div); log.scrollTop = log.scrollHeight; return div;
  }
  function actionButton(action) {
    const b = document.createElement('button');
    b.type = 'button'; b.textContent = action.label || action.uri || '?';
    b.onclick = () => {
      if (action.type === 'postback') send({kind: 'postback', data: action.data}, action.displayText || action.label);
      else if (action.type === 'datetimepicker') pick(action);
      else if (action.type === 'message') send({kind: 'text', text: action.text}, action.text);
      else if (action.type === 'uri') window.open(action.uri, '_blank', 'noopener');
    };
    return b;
  }
  function pick(action) {
    const input = document.createElement('input');
    input.type = action.mode === 'datetime' ? 'datetime-local' : action.mode;
    if (action.min) input.min = action.min; if (action.max) input.max = action.max;
    if (action.initial) input.value = action.initial;
    const ok = document.createElement('button'); ok.type = 'button'; ok.textContent = '決定';
    ok.onclick = () => {
      const key = action.mode; const params = {}; params[key] = input.value;
      send({kind: 'postback', data: action.data, params}, input.value);
    };
    quick.replaceChildren(input, ok); input.focus();
  }
  function showMessages(messages) {
    let items = [];
    for (const m of messages) {
      if (m.type === 'text') add('bot', m.text);
      else if (m.type === 'flex') {
        const row = document.createElement('div'); row.className = 'cards';
        const bubbles = m.contents.type === 'carousel' ? m.contents.contents : [m.contents];
        for (const bubble of bubbles) {
          const card = document.createElement('div'); card.className = 'card';
          for (const c of (bubble.body && bubble.body.contents) || []) {
            const line = document.createElement(c.weight === 'bold' ? 'b' : 'div'); line.textContent = c.text || ''; card.appendChild(line);
          }
          for (const c of (bubble.footer && bubble.footer.contents) || []) if (c.action) card.appendChild(actionButton(c.action));
          row.appendChild(card);
        }
        log.appendChild(row);
      } else add('sys', '[' + m.type + ']');
      if (m.quickReply) items = m.quickReply.items;
    }
    quick.replaceChildren(...items.map(i => actionButton(i.action)));
    log.scrollTop = log.scrollHeight;
  }
  async function poll() {
    try {
      const r = await fetch(`/sandbox/line-api/_sandbox/requests?after=${after}&to=${user}`);
      if (r.ok) {
        const data = await r.json();
        for (const req of data.requests || []) {
          after = Math.max(after, req.id);
          if (req.status >= 300) { add('err', `LINE スタンドインが拒否 (${req.status}): ${JSON.stringify(req.errors)}`); continue; }
          const body = typeof req.body === 'string' ? JSON.parse(req.body || '{}') : (req.body || {});
          if (body.messages) showMessages(body.messages);
        }
      }
    } catch (e) { /* server restarting */ }
    setTimeout(poll, 700);
  }
  async function send(payload, shown) {
    if (shown) add('me', shown);
    payload.user = user;
    const r = await fetch('/sandbox/api/line/event', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(payload)});
    const data = await r.json().catch(() => ({}));
    if (!r.ok || data.webhook_status !== 200) add('err', 'webhook: ' + (data.error || data.webhook_status));
  }
  document.getElementById('send').onsubmit = e => {
    e.preventDefault(); const t = document.getElementById('text');
    if (t.value.trim()) { send({kind: 'text', text: t.value}, t.value); t.value = ''; }
  };
  // The profile language travels with each event: LINE's profile API answers it (issue 17).
  document.querySelectorAll('[data-kind]').forEach(b => b.onclick = () => send({kind: b.dataset.kind, language: document.getElementById('lang').value}, '(' + b.textContent + ')'));
  document.getElementById('newuser').onclick = () => { user = 'U' + hex(16); localStorage.setItem('sandboxUser', user); document.getElementById('uid').textContent = user; log.replaceChildren(); quick.replaceChildren(); };
  fetch(`/sandbox/line-api/_sandbox/requests?after=0&to=${user}`).then(r => r.json()).then(d => { for (const q of d.requests || []) after = Math.max(after, q.id); poll(); }).catch(poll);
})();
