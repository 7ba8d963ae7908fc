addEventListener('fetch', (event) =>
  event.respondWith(new Response(`Hello ${globalThis.process?.env?.TARGET ?? 'JS'}!\n`)),
);
