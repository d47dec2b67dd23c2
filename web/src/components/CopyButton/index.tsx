import { useSignal } from '@preact/signals';
import './copy.css';

/** Copies `text`; falls back to selecting it when the clipboard API is unavailable (plain HTTP). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const copied = useSignal(false);
  const copy = async (event: Event) => {
    try {
      await navigator.clipboard.writeText(text);
      copied.value = true;
      setTimeout(() => (copied.value = false), 1500);
    } catch {
      const block = (event.currentTarget as HTMLElement).closest('.copyable')?.querySelector('pre, code');
      if (block) window.getSelection()?.selectAllChildren(block);
    }
  };
  return (
    <button type="button" class="button button-small copy-button" onClick={copy} aria-live="polite">
      {copied.value ? 'Copied' : label}
    </button>
  );
}

export function CodeBlock({ code, title }: { code: string; title?: string }) {
  return (
    <div class="copyable code-block">
      <div class="code-block-head">
        <span>{title}</span>
        <CopyButton text={code} />
      </div>
      <pre tabIndex={0}>
        <code>{code}</code>
      </pre>
    </div>
  );
}

export function SecretValue({ value, label }: { value: string; label: string }) {
  return (
    <div class="copyable secret-value">
      <span class="secret-label">{label}</span>
      <code>{value}</code>
      <CopyButton text={value} />
    </div>
  );
}
