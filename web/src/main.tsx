import { render } from 'preact';
import { App } from './app.tsx';
import { createAppState } from './state/app-state.ts';
import './styles/base.css';

const state = createAppState();
state.setTheme(state.theme.peek());
render(<App state={state} />, document.getElementById('app')!);
