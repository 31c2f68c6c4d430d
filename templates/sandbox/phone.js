// Served at /sandbox/phone.js (no inline script: the page's CSP allows 'self' only).
(() => {
  const page = document.querySelector('main');
  const ACCOUNT = page.dataset.account, NUMBER = page.dataset.number;
  const log = document.getElementById('log'), extra = document.getElementById('extra');
  const hex = n => Array.from(crypto.getRandomValues(new Uint8Array(n)), b => b.toString(16).padStart(2, '0')).join('');
  let callSid = null, gather = null, buffer = '', smsAfter = 0;
  const add = (cls, text) => { const d = document.createElement('div'); d.className = cls; d.textContent = text; log.appendChild(d); log.scrollTop = log.scrollHeight; };
  const from = () => document.getElementById('from').value.trim();
  const base = () => ({CallSid: callSid, AccountSid: ACCOUNT, From: from(), To: NUMBER, Direction: 'inbound', ApiVersion: '2010-04-01', CallStatus: 'in-progress'});

  async function post(path, params) {
    const r = await fetch('/sandbox/api/phone/request', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({path, params})});
    const data = await r.json();
    if (data.status !== 200) { add('err', `webhook ${path}: ${data.status} ${data.body || data.error || ''}`); return null; }
    return data.body;
  }
  async function step(path, params) {
    const body = await post(path, params);
    if (body !== null) play(body);
  }
  function play(xml) {
    document.getElementById('twiml').textContent = xml;
    gather = null; extra.replaceChildren();
    const doc = new DOMParser().parseFromString(xml, 'application/xml');
    for (const verb of doc.documentElement.children) {
      if (verb.tagName === 'Say') add('say', verb.textContent);
      else if (verb.tagName === 'Gather') {
        for (const s of verb.getElementsByTagName('Say')) add('say', s.textContent);
        gather = {action: verb.getAttribute('action'), numDigits: verb.getAttribute('numDigits'), input: verb.getAttribute('input')};
        add('sys', `(入力待ち: ${gather.input}${gather.numDigits ? '、' + gather.numDigits + '桁' : '、# で確定'})`);
      } else if (verb.tagName === 'Dial') {
        const nums = Array.from(verb.getElementsByTagName('Number'), n => n.textContent).join(', ');
        add('sys', `(担当者へ転送: ${nums}、${verb.getAttribute('timeout')}秒)`);
        for (const [label, st] of [['担当者が出た→通話終了', 'completed'], ['応答なし', 'no-answer'], ['話し中', 'busy']]) {
          const b = document.createElement('button'); b.textContent = label;
          b.onclick = () => step(verb.getAttribute('action'), {...base(), DialCallStatus: st});
          extra.appendChild(b);
        }
      } else if (verb.tagName === 'Record') {
        add('sys', `(ピー — 録音中、最大${verb.getAttribute('maxLength')}秒)`);
        const b = document.createElement('button'); b.textContent = '伝言を残した(録音終了)';
        b.onclick = async () => {
          const rec = {RecordingSid: 'RE' + hex(16), RecordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/' + ACCOUNT + '/Recordings/sandbox', RecordingDuration: '12'};
          await step(verb.getAttribute('action'), {...base(), ...rec});
          await post(verb.getAttribute('recordingStatusCallback'), {...base(), ...rec, RecordingStatus: 'completed'});
        };
        extra.appendChild(b);
      } else if (verb.tagName === 'Redirect') { step(verb.textContent, base()); return; }
      else if (verb.tagName === 'Hangup') { add('sys', '(電話が切れました)'); end('completed'); return; }
    }
  }
  async function end(status) {
    if (!callSid) return;
    const sid = callSid; callSid = null; gather = null;
    await post('/twilio/voice/status', {...base(), CallSid: sid, CallStatus: status, CallDuration: '30'});
  }
  function answer(params, shown) {
    if (!callSid || !gather) { add('sys', '(通話していません)'); return; }
    add('me', shown);
    step(gather.action, {...base(), ...params});
  }
  document.getElementById('call').onclick = async () => {
    if (callSid) await end('completed');
    callSid = 'CA' + hex(16); log.replaceChildren(); add('sys', '(発信 ' + callSid + ')');
    step('/twilio/voice', {...base(), CallStatus: 'ringing'});
  };
  document.getElementById('hangup').onclick = () => { add('sys', '(電話を切りました)'); end('completed'); };
  document.getElementById('silence').onclick = () => answer({}, '(無言)');
  document.querySelectorAll('[data-key]').forEach(b => b.onclick = () => {
    const k = b.dataset.key;
    if (gather && gather.numDigits === '1' && k !== '#') { answer({Digits: k}, '押した番号: ' + k); return; }
    if (k === '#') { const d = buffer; buffer = ''; document.getElementById('buffer').textContent = ''; answer({Digits: d}, '押した番号: ' + d + '#'); return; }
    buffer += k; document.getElementById('buffer').textContent = buffer;
  });
  document.getElementById('speech').onsubmit = e => {
    e.preventDefault(); const t = document.getElementById('speechtext');
    if (t.value.trim()) { answer({SpeechResult: t.value, Confidence: '0.92'}, '話した: ' + t.value); t.value = ''; }
  };
  document.getElementById('smsform').onsubmit = async e => {
    e.preventDefault(); const t = document.getElementById('smstext'); if (!t.value.trim()) return;
    const el = document.createElement('div'); el.className = 'sms me'; el.textContent = t.value; document.getElementById('sms').appendChild(el);
    await post('/twilio/sms', {MessageSid: 'SM' + hex(16), AccountSid: ACCOUNT, From: from(), To: NUMBER, Body: t.value, NumMedia: '0'});
    t.value = '';
  };
  async function pollSms() {
    try {
      const r = await fetch(`/sandbox/twilio-api/_sandbox/requests?after=${smsAfter}&to=${encodeURIComponent(from())}`);
      if (r.ok) for (const q of (await r.json()).requests || []) {
        smsAfter = Math.max(smsAfter, q.id);
        const el = document.createElement('div'); el.className = q.status < 300 ? 'sms' : 'sms err';
        el.textContent = (q.status < 300 ? '' : `拒否 ${q.status}: ${q.response.message} — `) + (q.params.Body || '');
        document.getElementById('sms').appendChild(el);
      }
    } catch (e) { /* restarting */ }
    setTimeout(pollSms, 1000);
  }
  pollSms();
})();
