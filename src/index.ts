/** Entry point of both steps: the runner runs this file for `main` and again for `post`. */
import * as core from '@actions/core';
import { runMain } from './main.js';
import { runPost } from './post.js';

if (core.getState('isPost') === 'true') await runPost();
else await runMain();
