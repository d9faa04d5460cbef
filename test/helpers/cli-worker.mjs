/**
 * The worker thread behind test/helpers/cli.ts's in-process `runCli`: it loads the built CLI's main()
 * once and runs one command per message with an injected Io (captured stdout/stderr, stdin holding the
 * test's input) and the command's environment, replying on the port it was given.
 *
 * The environment is also what this thread's `process.env` holds during the run (a worker's
 * process.env is its own copy): libraries that read it (supports-color, env-paths) see the same
 * values a spawned CLI would. Runs are one at a time.
 *
 * A reply is also signalled through the shared Int32Array (slot 0 := 1) so a caller blocked in
 * Atomics.wait wakes up; the caller then takes the reply with receiveMessageOnPort.
 */
import {Readable, Writable} from 'node:stream';
import {workerData} from 'node:worker_threads';

const {port, signal, mainUrl} = workerData;
const flag = new Int32Array(signal);
const {main} = await import(mainUrl);

/** A stdout/stderr that keeps what is written (synchronously, so nothing is missed at the end). */
function capture(tty, columns) {
	const chunks = [];
	const stream = new Writable({
		decodeStrings: false,
		write(chunk, _encoding, callback) {
			chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
			callback();
		},
	});
	stream.isTTY = tty;
	if (columns !== undefined) stream.columns = columns;
	return {stream, text: () => chunks.join('')};
}

function reply(message) {
	port.postMessage(message);
	Atomics.store(flag, 0, 1);
	Atomics.notify(flag, 0);
}

let current;

// A command that ends the thread (process.exit) still answers, with its exit code.
process.on('exit', code => {
	if (current) reply({id: current.id, code, stdout: current.stdout.text(), stderr: `${current.stderr.text()}[in-process run called process.exit(${code})]\n`, dead: true});
});

async function run(request) {
	const stdout = capture(request.tty, request.columns);
	const stderr = capture(false, undefined);
	const stdin = Readable.from(request.input === '' ? [] : [Buffer.from(request.input)]);
	stdin.isTTY = request.tty;
	current = {id: request.id, stdout, stderr};
	for (const key of Object.keys(process.env)) delete process.env[key];
	Object.assign(process.env, request.env);
	let code;
	try {
		code = await main(request.args, {stdout: stdout.stream, stderr: stderr.stream, stdin, env: request.env, cwd: request.cwd});
	} catch (error) {
		// main() turns errors into exit codes; reaching here is a defect in main itself.
		stderr.stream.write(`main() threw: ${error?.stack ?? error}\n`);
		code = 1;
	}
	current = undefined;
	reply({id: request.id, code, stdout: stdout.text(), stderr: stderr.text()});
}

let queue = Promise.resolve();
port.on('message', request => {
	queue = queue.then(() => run(request));
});
