/**
 * The self-contained browser module: client, panels and lit in one file, for pages that load it
 * with a single `<script type="module">`. Importing it registers both elements.
 */
export * from '@logwire/client';
export * from '@logwire/protocol';
export * from './index.js';
import './define.js';
