// The console: login, then the pages of the caller's role, behind hash routes (#/buyer/shop).
import {h, clear} from './dom.js';
import {t, lang, setLang, errorSentence} from './i18n.js';
import {get, token, forget, remember} from './api.js';
import {loginPage, registerPage} from './pages/login.js';
import {merchantPages} from './pages/merchant.js';
import {buyerPages} from './pages/buyer.js';
import {operatorPages} from './pages/operator.js';

const PAGES = {merchant: merchantPages, buyer: buyerPages, operator: operatorPages};
const main = document.getElementById('main');
const top = document.getElementById('top');
const alertBox = document.getElementById('alert');
const statusBox = document.getElementById('status');

let me = null;
let cleanups = [];
let carried = '';

function notice(box, text) {
  box.textContent = text;
  box.hidden = !text;
}

const ctx = {
  main,
  get me() {
    return me;
  },
  notify(text) {
    notice(alertBox, '');
    notice(statusBox, text);
  },
  fail(error) {
    notice(statusBox, '');
    notice(alertBox, errorSentence(error));
    if (error && error.code === 'UNAUTHENTICATED' && me) {
      carried = errorSentence(error);
      logout();
    }
  },
  clearNotice() {
    notice(alertBox, '');
    notice(statusBox, '');
  },
  leave(cleanup) {
    cleanups.push(cleanup);
  },
  go(hash) {
    if (location.hash === hash) show();
    else location.hash = hash;
  },
  async login(value) {
    remember(value);
    try {
      me = await get('/v1/me');
    } catch (error) {
      forget();
      me = null;
      throw error;
    }
    ctx.go(`#/${me.role}/${PAGES[me.role][0].path}`);
  },
  refresh: () => show(),
};

function logout() {
  forget();
  me = null;
  sessionStorage.removeItem('market4.cart');
  ctx.go('#/login');
}

function leavePage() {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // a page's cleanup never stops the next page
    }
  }
  cleanups = [];
}

function languageButton() {
  const other = lang() === 'vi' ? 'en' : 'vi';
  return h('button', {type: 'button', class: 'lang', lang: other, onclick: () => {
    setLang(other);
    show();
  }}, other === 'en' ? 'English' : 'Tiếng Việt');
}

function header(route) {
  const pages = me ? PAGES[me.role] : [];
  const links = pages.filter((page) => !page.hidden).map((page) => h('a', {
    href: `#/${me.role}/${page.path}`,
    'aria-current': route.page === page.path ? 'page' : null,
  }, t(page.label)));
  const who = me ? h('span', {class: 'who'}, `${t('role.' + me.role)}${nameOf(me) ? ': ' + nameOf(me) : ''}`) : null;
  top.replaceChildren(...[
    h('div', {class: 'bar'},
      h('a', {class: 'brand', href: '#/'}, t('app.name')), who,
      h('span', {class: 'spacer'}),
      languageButton(),
      me ? h('button', {type: 'button', class: 'logout', onclick: logout}, t('app.logout')) : null),
    links.length ? h('nav', {'aria-label': t('app.menu')}, links) : null].filter(Boolean));
}

function nameOf(who) {
  return (who.merchant && who.merchant.name) || (who.buyer && who.buyer.name) || '';
}

// "#/buyer/order/o_1" -> {role: 'buyer', page: 'order', arg: 'o_1'}
function parse(hash) {
  const [role, page, ...rest] = hash.replace(/^#\/?/, '').split('/');
  return {role, page, arg: rest.map(decodeURIComponent).join('/')};
}

async function whoAmI() {
  if (me || !token()) return;
  try {
    me = await get('/v1/me');
  } catch (error) {
    if (error.code === 'UNAUTHENTICATED') forget();
    else throw error;
  }
}

function publicPage(route) {
  return route.role === 'register' ? registerPage : loginPage;
}

async function show() {
  leavePage();
  document.documentElement.lang = lang();
  document.title = t('app.name');
  const route = parse(location.hash);
  try {
    await whoAmI();
  } catch (error) {
    ctx.fail(error);
  }
  header(route);
  clear(main);
  ctx.clearNotice();
  notice(alertBox, carried);
  carried = '';
  let render;
  if (!me) {
    render = publicPage(route);
  } else {
    const pages = PAGES[me.role] || [];
    const page = route.role === me.role && pages.find((p) => p.path === route.page);
    if (!page) {
      history.replaceState(null, '', `#/${me.role}/${pages[0].path}`);
      header(parse(location.hash));
    }
    render = (page || pages[0]).render;
  }
  try {
    await render(ctx, route.arg);
  } catch (error) {
    ctx.fail(error);
  }
  const heading = main.querySelector('h1');
  if (heading) heading.focus({preventScroll: true});
}

window.addEventListener('hashchange', show);
show();
