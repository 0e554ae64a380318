// Zoom and pan on a uPlot chart's time axis with the mouse wheel (zoom
// around the pointer), and with two fingers on a touch screen (pinch to
// zoom, move to pan). Dragging with the mouse selects a range to zoom to
// and a double click goes back to the whole range: uPlot does those.

export function gestures(plot) {
  const over = plot.over;
  const zoom = (factor, atX) => {
    const { min, max } = plot.scales.x;
    const at = plot.posToVal(atX, 'x');
    plot.setScale('x', { min: at - (at - min) * factor, max: at + (max - at) * factor });
  };
  over.addEventListener('wheel', (event) => {
    event.preventDefault();
    const rect = over.getBoundingClientRect();
    zoom(event.deltaY < 0 ? 0.8 : 1.25, event.clientX - rect.left);
  }, { passive: false });

  let pinch = null;
  const spread = (touches) => Math.abs(touches[0].clientX - touches[1].clientX) || 1;
  const middle = (touches) => (touches[0].clientX + touches[1].clientX) / 2 - over.getBoundingClientRect().left;
  over.addEventListener('touchstart', (event) => {
    if (event.touches.length === 2) {
      pinch = { spread: spread(event.touches), middle: middle(event.touches), min: plot.scales.x.min, max: plot.scales.x.max };
    }
  }, { passive: true });
  over.addEventListener('touchmove', (event) => {
    if (!pinch || event.touches.length !== 2) return;
    event.preventDefault();
    const factor = pinch.spread / spread(event.touches);
    const width = plot.bbox.width / devicePixelRatio;
    const perPixel = (pinch.max - pinch.min) / width;
    const at = pinch.min + pinch.middle * perPixel;
    const shift = (pinch.middle - middle(event.touches)) * perPixel;
    plot.setScale('x', { min: at - (at - pinch.min) * factor + shift, max: at + (pinch.max - at) * factor + shift });
  }, { passive: false });
  over.addEventListener('touchend', () => { pinch = null; }, { passive: true });
}
