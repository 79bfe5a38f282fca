// Kiosk page bootstrap: shows whether the booth service is ready. The visit screens arrive
// with the visit workflow; this page never receives roster data.
const status = document.getElementById('status');
async function poll() {
  try {
    const res = await fetch('/readyz');
    const body = await res.json();
    status.textContent = body.ready ? '设备就绪 · Ready' : '设备准备中 · Starting';
  } catch {
    status.textContent = '无法连接设备服务 · Service unreachable';
  }
  setTimeout(poll, 3000);
}
poll();
