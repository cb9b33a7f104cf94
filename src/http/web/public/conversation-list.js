/** The sidebar's list of conversations, newest first, the open one marked as current; their titles. */

export const UNTITLED = 'Untitled';

/**
 * A first title from the first question: its start, cut at a word near 60 characters, like the
 * title the server gives a conversation that `/ask` or `/v1` creates (the server's keeps the first
 * line only). A conversation made by `POST /api/conversations` gets no such title from the server.
 */
export function titleFromQuestion(question) {
  const text = question.replace(/\s+/g, ' ').trim();
  if (text.length <= 60) return text;
  const cut = text.slice(0, 60);
  const space = cut.lastIndexOf(' ');
  return `${space > 30 ? cut.slice(0, space) : cut}…`;
}

/**
 * @param {HTMLUListElement} list
 * @param {Array<{id: string, title: string | null}>} conversations
 * @param {string | undefined} openId
 * @param {(id: string) => void} open
 */
export function renderConversationList(list, conversations, openId, open) {
  list.replaceChildren(
    ...conversations.map((conversation) => {
      const item = document.createElement('li');
      const link = document.createElement('button');
      link.type = 'button';
      link.className = 'conversation';
      link.textContent = conversation.title ?? UNTITLED;
      link.title = link.textContent;
      link.dataset.id = conversation.id;
      if (conversation.id === openId) link.setAttribute('aria-current', 'page');
      link.addEventListener('click', () => open(conversation.id));
      item.append(link);
      return item;
    }),
  );
}
