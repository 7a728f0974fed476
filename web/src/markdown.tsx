// A small Markdown preview for postmortems: headings, paragraphs, lists, emphasis, code and links, built as React
// elements (never as HTML strings), so nothing typed into a postmortem can run script in a reader's browser.
import type { ReactNode } from 'react';

function inline(text: string, key: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*]+\*|_[^_]+_)|(\[[^\]]+\]\([^)\s]+\))/g;
  let last = 0;
  let m: RegExpExecArray | null;
  let i = 0;
  while ((m = re.exec(text))) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const t = m[0];
    const k = `${key}-${i++}`;
    if (m[1]) out.push(<code key={k}>{t.slice(1, -1)}</code>);
    else if (m[2]) out.push(<strong key={k}>{t.slice(2, -2)}</strong>);
    else if (m[3]) out.push(<em key={k}>{t.slice(1, -1)}</em>);
    else {
      const label = t.slice(1, t.indexOf(']'));
      const href = t.slice(t.indexOf('](') + 2, -1);
      // Only web links: a javascript: URL must not become clickable.
      out.push(/^https?:\/\//i.test(href) ? <a key={k} href={href} rel="noreferrer noopener" target="_blank">{label}</a> : `${label} (${href})`);
    }
    last = m.index + t.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function Markdown({ text }: { text: string }) {
  const blocks: ReactNode[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  let n = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const k = `b${n++}`;
    if (line.trim() === '') {
      i++;
    } else if (/^#{1,6}\s/.test(line)) {
      const level = Math.min(6, line.match(/^#+/)![0].length + 2);
      const H = `h${level}` as 'h3';
      blocks.push(<H key={k}>{inline(line.replace(/^#+\s*/, ''), k)}</H>);
      i++;
    } else if (/^```/.test(line)) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !/^```/.test(lines[i]!)) body.push(lines[i++]!);
      i++;
      blocks.push(<pre key={k}>{body.join('\n')}</pre>);
    } else if (/^\s*([-*]|\d+\.)\s/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: string[] = [];
      while (i < lines.length && /^\s*([-*]|\d+\.)\s/.test(lines[i]!)) items.push(lines[i++]!.replace(/^\s*([-*]|\d+\.)\s/, ''));
      const L = ordered ? 'ol' : 'ul';
      blocks.push(
        <L key={k}>
          {items.map((it, j) => (
            <li key={j}>{inline(it, `${k}-${j}`)}</li>
          ))}
        </L>,
      );
    } else {
      const para: string[] = [];
      while (i < lines.length && lines[i]!.trim() !== '' && !/^(#{1,6}\s|```|\s*([-*]|\d+\.)\s)/.test(lines[i]!)) para.push(lines[i++]!);
      blocks.push(<p key={k}>{inline(para.join(' '), k)}</p>);
    }
  }
  return <div className="markdown">{blocks}</div>;
}
