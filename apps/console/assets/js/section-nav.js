// The export page's section nav: plain in-page links (every section stays in the page, so a link
// or a test finds any control without switching tabs); the one for the section in view is marked.
/** Marks the link of the section named by the URL's fragment (or the first) as the current location. */
export function initSectionNav(nav) {
  if (!nav) return;
  const links = [...nav.querySelectorAll('a[href^="#"]')];
  const mark = () => {
    const wanted = location.hash.slice(1);
    const current = links.find((a) => a.getAttribute('href') === `#${wanted}`) ?? links[0];
    for (const link of links) {
      if (link === current) link.setAttribute('aria-current', 'location');
      else link.removeAttribute('aria-current');
    }
  };
  window.addEventListener('hashchange', mark);
  mark();
}
