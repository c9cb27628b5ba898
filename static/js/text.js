// newsreview: code-point offsets in the document text, both ways (STYLE.md §5: the browser
// counts UTF-16 units, the server code points; convert here and nowhere else).

// Code-point offset of a DOM position inside the document text element.
export function codePointOffset(root, node, offset) {
  const range = document.createRange();
  range.setStart(root, 0);
  range.setEnd(node, offset);
  return Array.from(range.toString()).length;
}

// The DOM position of code-point offset `cp` inside `root` (the inverse of codePointOffset).
export function domPosition(root, cp) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let remaining = cp;
  let node = walker.nextNode();
  let last = null;
  while (node) {
    const chars = Array.from(node.data);
    if (remaining <= chars.length) return [node, chars.slice(0, remaining).join("").length];
    remaining -= chars.length;
    last = node;
    node = walker.nextNode();
  }
  return last ? [last, last.data.length] : [root, 0];
}

// Wrap the text of code points [start, end) of `root` in elements made by make(isFirst),
// one per text node the range crosses; the text content stays exactly the same.
export function wrapRange(root, start, end, make) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const pieces = [];
  let cp = 0;
  for (let node = walker.nextNode(); node && cp < end; node = walker.nextNode()) {
    const chars = Array.from(node.data);
    const lo = Math.max(start, cp);
    const hi = Math.min(end, cp + chars.length);
    if (lo < hi) {
      pieces.push([node, chars.slice(0, lo - cp).join("").length, chars.slice(0, hi - cp).join("").length]);
    }
    cp += chars.length;
  }
  pieces.forEach(([node, a, b], index) => {
    let middle = node;
    if (a > 0) middle = middle.splitText(a);
    if (b - a < middle.data.length) middle.splitText(b - a);
    const wrapper = make(index === 0);
    middle.replaceWith(wrapper);
    wrapper.append(middle);
  });
}

// The selection inside `root` as code-point offsets {anchor, focus}, or null.
export function saveSelection(root) {
  const selection = getSelection();
  if (!root || !selection.rangeCount) return null;
  if (!root.contains(selection.anchorNode) || !root.contains(selection.focusNode)) return null;
  return {
    anchor: codePointOffset(root, selection.anchorNode, selection.anchorOffset),
    focus: codePointOffset(root, selection.focusNode, selection.focusOffset),
  };
}

// Put a saved selection back (same direction), unless it is still there.
export function restoreSelection(root, saved) {
  if (!root || !saved) return;
  const now = saveSelection(root);
  if (now && now.anchor === saved.anchor && now.focus === saved.focus) return;
  getSelection().setBaseAndExtent(...domPosition(root, saved.anchor), ...domPosition(root, saved.focus));
}
