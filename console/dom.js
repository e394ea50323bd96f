// Builds elements without HTML strings: h('button', {class: 'primary', onclick: f}, 'Lưu').

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      element.className = value;
    } else if (name === 'for') {
      element.htmlFor = value;
    } else if (name in element && typeof value !== 'string') {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : value);
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

let counter = 0;

// A fresh id for label/input pairs.
export function uid(prefix = 'f') {
  counter += 1;
  return `${prefix}-${counter}`;
}

// A labelled input: returns {row, input}. attrs go to the input (type, required, value...).
export function field(label, attrs = {}, hint) {
  const id = uid('in');
  const tag = attrs.tag || 'input';
  const {options, ...rest} = attrs;
  const input = h(tag, {...rest, tag: undefined, id, name: attrs.name || id});
  if (tag === 'select') append(input, options || []);
  const hintId = hint ? id + '-hint' : undefined;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  const row = h('div', {class: 'field'}, h('label', {for: id}, label), input,
                hint ? h('p', {class: 'hint', id: hintId}, hint) : null);
  return {row, input};
}

export function clear(element) {
  element.replaceChildren();
  return element;
}
